import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDag } from '../src/engine/dag-load.js';
import { validateDag } from '../src/engine/dag-validate.js';
import { createDag, type DagIssue } from '../src/engine/dag.js';
import { fixtureRegistry } from './fixtures/dags/toy-modules.js';

const dir = join(import.meta.dirname, 'fixtures/dags');

function check(name: string): DagIssue[] {
  const file = join(dir, name);
  const { dag, issues } = loadDag(readFileSync(file, 'utf8'), file);
  return dag ? [...issues, ...validateDag(dag, fixtureRegistry())] : issues;
}

const codesAndLines = (issues: DagIssue[]): Array<[string, number]> => issues.map((i) => [i.code, i.line]);

describe('DAG validation', () => {
  it('accepts a well-formed DAG with no issues', () => {
    expect(check('valid.yaml')).toEqual([]);
  });

  it('reports bad YAML syntax at the line the parser names', () => {
    const issues = check('yaml-syntax.yaml');
    expect(issues).toHaveLength(1);
    expect(issues.every((i) => i.code === 'yaml-syntax')).toBe(true);
    expect(issues[0]!.line).toBeGreaterThanOrEqual(5);
    expect(issues[0]!.line).toBeLessThanOrEqual(6);
    expect(issues[0]!.message).not.toContain('\n');
  });

  it('reports an unknown module at its module line with a suggestion', () => {
    const issues = check('unknown-module.yaml');
    expect(codesAndLines(issues)).toEqual([['unknown-module', 4]]);
    expect(issues[0]!.message).toContain('did you mean "counter"');
    expect(issues[0]!.node).toBe('count');
  });

  it('reports a duplicate id at the second definition, naming the first', () => {
    const issues = check('duplicate-id.yaml');
    expect(codesAndLines(issues)).toEqual([['duplicate-id', 7]]);
    expect(issues[0]!.message).toContain('line 3');
  });

  it('reports a node without id and a node without module', () => {
    expect(codesAndLines(check('missing-fields.yaml'))).toEqual([['missing-field', 3], ['missing-field', 6]]);
  });

  it('reports an unknown depends_on id at the line of that entry', () => {
    const issues = check('unknown-dependency.yaml');
    expect(codesAndLines(issues)).toEqual([['unknown-dependency', 9]]);
    expect(issues[0]!.message).toContain('"cuont"');
  });

  it('reports a cycle through data edges and depends_on, naming its nodes', () => {
    const issues = check('cycle.yaml');
    expect(codesAndLines(issues)).toEqual([['cycle', 3]]);
    expect(issues[0]!.message).toContain('count -> double -> collect -> count');
    expect(issues[0]!.message).toContain('count depends_on collect');
  });

  it('reports a required input that no node produces, naming modules that could', () => {
    const issues = check('unsatisfied-input.yaml');
    expect(codesAndLines(issues)).toEqual([['unsatisfied-input', 6]]);
    expect(issues[0]!.message).toContain('"doubled"');
    expect(issues[0]!.message).toContain('doubler');
  });

  it('reports every config problem of every node at its key line', () => {
    expect(codesAndLines(check('config-errors.yaml'))).toEqual([
      ['config-range', 6],
      ['config-required', 9],
      ['config-enum', 10],
      ['config-type', 11],
      ['config-type', 12],
      ['config-range', 13],
      ['config-unknown-key', 14],
    ]);
  });

  it('reports a misspelt node field', () => {
    const issues = check('unknown-field.yaml');
    expect(codesAndLines(issues)).toEqual([['unknown-field', 5]]);
    expect(issues[0]!.message).toContain('depend_on');
  });

  it('reports two nodes providing a single-item key', () => {
    const r = fixtureRegistry();
    r.register({ ...r.get('counter')!, name: 'ports_a', provides: ['scan_ports'] });
    const dag = createDag({ name: 'two', nodes: [{ id: 'a', module: 'ports_a' }, { id: 'b', module: 'ports_a' }] });
    const issues = validateDag(dag, r);
    expect(issues.map((i) => [i.code, i.node])).toEqual([['conflicting-producers', 'b']]);
    expect(issues[0]!.message).toBe('"scan_ports" holds a single item, but nodes "a", "b" all provide it');
  });

  it('reports wrongly shaped values and still validates the rest', () => {
    expect(codesAndLines(check('bad-shape.yaml'))).toEqual([
      ['bad-shape', 1], ['bad-shape', 5], ['bad-shape', 6], ['bad-shape', 9],
    ]);
  });

  it('reports a self-dependency as a cycle and an override for a missing node', () => {
    const dag = createDag({ name: 'code', nodes: [{ id: 'a', module: 'counter', depends_on: ['a'] }] });
    const issues = validateDag(dag, fixtureRegistry(), { b: { count: 1 } });
    expect(issues.map((i) => i.code).sort()).toEqual(['cycle', 'unknown-node']);
    expect(issues.every((i) => i.file === '<dag code>')).toBe(true);
  });
});
