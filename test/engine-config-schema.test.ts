import { describe, expect, it } from 'vitest';
import { checkSchema, parseConfigAssignment, validateConfig } from '../src/engine/config-schema.js';
import type { ConfigSchema } from '../src/engine/module.js';

const schema: ConfigSchema = {
  timeout: { type: 'int', min: 1, max: 60_000, default: 2000 },
  ratio: { type: 'float', min: 0, max: 1 },
  mode: { type: 'string', enum: ['connect', 'syn'], default: 'connect' },
  verbose: { type: 'bool', default: false },
  ports: { type: 'list', items: 'int', min: 1, max: 65535 },
  protocols: { type: 'list', items: 'string', enum: ['tcp', 'udp'] },
  headers: { type: 'map' },
  user: { type: 'string', required: true },
};

const codes = (input: unknown): Array<[string, string]> => validateConfig(schema, input).errors.map((e) => [e.key, e.code]);

describe('config schema validation', () => {
  it('fills defaults and keeps given values', () => {
    const r = validateConfig(schema, { user: 'root', ratio: 1 });
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual({ user: 'root', ratio: 1, timeout: 2000, mode: 'connect', verbose: false });
  });

  it('tells int from float: 1.5 is not an int, 2 is a valid float', () => {
    expect(codes({ user: 'u', timeout: 1.5 })).toEqual([['timeout', 'type']]);
    expect(codes({ user: 'u', ratio: 0 })).toEqual([]);
    expect(codes({ user: 'u', timeout: 2 ** 53 })).toEqual([['timeout', 'type']]);
  });

  it('checks every type, including list item types', () => {
    expect(codes({ user: 5, verbose: 'yes', ports: [22, '80'], headers: [1], mode: 3 })).toEqual([
      ['user', 'type'], ['verbose', 'type'], ['ports', 'type'], ['headers', 'type'], ['mode', 'type'],
    ]);
  });

  it('checks min and max on numbers and on each item of a number list', () => {
    expect(codes({ user: 'u', timeout: 0, ratio: 1.01, ports: [22, 65536] })).toEqual([['timeout', 'range'], ['ratio', 'range'], ['ports', 'range']]);
    expect(codes({ user: 'u', timeout: 60_000, ports: [1, 65535] })).toEqual([]);
  });

  it('checks enum on values and on each list item', () => {
    expect(codes({ user: 'u', mode: 'fin', protocols: ['tcp', 'sctp'] })).toEqual([['mode', 'enum'], ['protocols', 'enum']]);
  });

  it('reports a missing required key and every unknown key with a suggestion', () => {
    const r = validateConfig(schema, { timout: 5, colour: 'red' }, (k) => `dag.yaml:${k.length}`);
    expect(r.errors.map((e) => [e.key, e.code, e.where])).toEqual([
      ['timout', 'unknown-key', 'dag.yaml:6'],
      ['colour', 'unknown-key', 'dag.yaml:6'],
      ['user', 'required', 'dag.yaml:4'],
    ]);
    expect(r.errors[0]!.message).toContain('did you mean "timeout"');
  });

  it('refuses a config that is not a map', () => {
    expect(codes([1, 2])).toEqual([['', 'type']]);
  });

  it('coerces key=value by the schema type', () => {
    expect(parseConfigAssignment('timeout=500', schema)).toEqual({ key: 'timeout', value: 500 });
    expect(parseConfigAssignment('ratio=0.25', schema)).toEqual({ key: 'ratio', value: 0.25 });
    expect(parseConfigAssignment('verbose=yes', schema)).toEqual({ key: 'verbose', value: true });
    expect(parseConfigAssignment('ports=22, 80', schema)).toEqual({ key: 'ports', value: [22, 80] });
    expect(parseConfigAssignment('ports=[443]', schema)).toEqual({ key: 'ports', value: [443] });
    expect(parseConfigAssignment('headers={"a":"b=c"}', schema)).toEqual({ key: 'headers', value: { a: 'b=c' } });
    expect(parseConfigAssignment('user=a=b', schema)).toEqual({ key: 'user', value: 'a=b' });
    expect(parseConfigAssignment('unknown=7', schema)).toEqual({ key: 'unknown', value: '7' });
  });

  it('refuses an assignment it cannot coerce, with a usage error', () => {
    for (const bad of ['timeout=soon', 'timeout=1.5', 'verbose=maybe', 'ports=22,x', 'headers=[1]', 'noequals', '=5']) {
      expect(() => parseConfigAssignment(bad, schema), bad).toThrow(expect.objectContaining({ code: 'WASMAP_USAGE' }));
    }
  });

  it('checks a schema itself, as a plugin manifest supplies it', () => {
    expect(checkSchema(schema)).toEqual([]);
    expect(checkSchema({ a: { type: 'integer' }, b: { type: 'int', default: 'x' }, c: { type: 'string', items: 'int' }, d: 5, e: { type: 'int', colour: 1 } })).toEqual([
      '"a": type must be one of string, int, float, bool, list, map',
      'default of config key "b": expected int, got string "x"',
      '"c": items is only for a list, and must be a field type',
      '"d": field must be a map',
      '"e": unknown field attribute "colour"',
    ]);
  });
});
