import { describe, expect, it } from 'vitest';
import { createDag } from '../src/engine/dag.js';
import { exportDag } from '../src/engine/dag-export.js';
import { loadDag } from '../src/engine/dag-load.js';
import { validateDag } from '../src/engine/dag-validate.js';
import { fixtureRegistry } from './fixtures/dags/toy-modules.js';

describe('DAG export', () => {
  it('writes a DAG built in code as YAML that loads back to the same DAG', () => {
    const dag = createDag({
      name: 'built',
      description: 'from flags',
      nodes: [
        { id: 'count', module: 'counter', config: { count: 4 } },
        { id: 'double', module: 'doubler' },
        { id: 'collect', module: 'sink', depends_on: ['count', 'double'] },
      ],
    });
    const text = exportDag(dag);
    expect(text).toContain('depends_on: [ count, double ]');
    const back = loadDag(text, 'built.yaml');
    expect(back.issues).toEqual([]);
    expect(validateDag(back.dag!, fixtureRegistry())).toEqual([]);
    const strip = (d: typeof dag) => ({ ...d, file: undefined, line: undefined, nodes: d.nodes.map(({ positions: _p, ...n }) => n) });
    expect(strip(back.dag!)).toEqual(strip(dag));
  });
});
