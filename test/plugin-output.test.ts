/**
 * One path for a plugin's output (issue #12, item 2): an emitted map and a
 * returned one are checked, read and turned into events by the same code,
 * so the same map makes the same event either way, and the DataContext
 * sees the data the event shows. Plugins run through `wasmap scan` against
 * a loopback listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonl, runCli } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';
import { cannedPlugin, type CannedPlugin } from './sandbox/helpers/canned.js';
import { compileWat } from './sandbox/helpers/wat.js';
import { toJson } from '../src/report/encode.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmap-plugin-output-'));
let n = 0;
function save(wasm: Uint8Array): string {
  const f = join(dir, `p${n++}.wasm`);
  writeFileSync(f, wasm);
  return f;
}
const pluginFile = (spec: CannedPlugin): string => save(cannedPlugin(spec));
const manifest = (name: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ abi: 1, name, version: '1.0.0', kind: 'scanner', capabilities: [], match: { ports: [port] }, ...extra });

describe('emitted and returned maps take one path to their events', () => {
  let target: Listener;
  const scan = async (...files: string[]) => {
    const r = await runCli(['scan', '127.0.0.1', '-p', String(target.port), '--profile', 'ports', '-f', 'jsonl', '-q', ...files.flatMap((f) => ['--plugin', f])]);
    expect(r.code, r.stderr).toBe(0);
    return parseJsonl(r.stdout);
  };

  beforeAll(async () => {
    target = await listen('127.0.0.1');
  });
  afterAll(() => target.close());

  it('makes the same event of a map without data whether it is emitted or returned: its other keys are the data', async () => {
    const map = (tag: string) => ({ note: `${tag}-note`, stage: `${tag}-stage`, summary: `${tag} line\nsecond line` });
    const p = pluginFile({ manifest: manifest('both-ways', target.port, { provides: ['note'] }), emits: [map('emitted')], output: map('returned') });
    const mine = (await scan(p)).filter((e) => e.origin.type === 'both-ways');
    expect(mine.map((e) => e.result.data)).toEqual([
      { note: 'emitted-note', stage: 'emitted-stage' },
      { note: 'returned-note', stage: 'returned-stage' },
    ]);
    expect(mine.map((e) => e.result.summary)).toEqual(['emitted line', 'returned line']);
  });

  it("adds no event for a return that says nothing after emits, and never repeats an emit's keys in the return's event", async () => {
    const silent = pluginFile({ manifest: manifest('emits-only', target.port, { provides: ['note'] }), emits: [{ note: 'once' }] });
    const done = pluginFile({ manifest: manifest('emits-then-done', target.port, { provides: ['note'] }), emits: [{ note: 'once' }], output: { summary: 'done' } });
    const events = await scan(silent, done);
    expect(events.filter((e) => e.origin.type === 'emits-only').map((e) => e.result.data)).toEqual([{ note: 'once' }]);
    expect(events.filter((e) => e.origin.type === 'emits-then-done').map((e) => [e.result.data, e.result.summary ?? null])).toEqual([
      [{ note: 'once' }, null],
      [{}, 'done'],
    ]);
  });

  it('gives an evaluator the same data in plugin_results as the event shows', async () => {
    // `stage` is an own key: the event showed it before plugin_results did (issue #12)
    const scanner = pluginFile({ manifest: manifest('says-without-data', target.port, { provides: ['stage'] }), output: { stage: 'sent', summary: 'ok' } });
    const echo = save(compileWat('echo-input', { abi: 1, name: 'echo-input', version: '1.0.0', kind: 'evaluator', match: { ports: [target.port] } }));
    const events = await scan(scanner, echo);
    const said = events.find((e) => e.origin.type === 'says-without-data');
    expect(said.result.data).toEqual({ stage: 'sent' });
    // the evaluator returns {data: <its input>}
    const input = events.find((e) => e.origin.type === 'echo-input')?.result.data;
    const results = input?.plugin_results as Array<{ plugin: string; data: unknown }>;
    expect(results?.find((x) => x.plugin === 'says-without-data')?.data).toEqual(said.result.data);
  });

  it("keeps a plugin's map that looks like a serialised Buffer a map in JSON output", async () => {
    const lookalike = { type: 'Buffer', data: [104, 105] };
    const p = pluginFile({ manifest: manifest('lookalike', target.port), output: { data: { lookalike, bytes: new Uint8Array([104, 105]) } } });
    const ev = (await scan(p)).find((e) => e.origin.type === 'lookalike');
    expect(ev.result.data).toEqual({ lookalike, bytes: 'aGk=' });
  });
});

describe('JSON encoding of events and plugin test results', () => {
  it('writes bytes as base64 (Buffers, views into a larger buffer) and a bigint as a number when it is safe, else as a string', () => {
    const big = new Uint8Array([0, 1, 2, 104, 105, 9]);
    expect(JSON.parse(toJson({ buf: Buffer.from('hi'), view: big.subarray(3, 5), list: [Buffer.from('x')] }))).toEqual({ buf: 'aGk=', view: 'aGk=', list: ['eA=='] });
    expect(toJson(Buffer.from('top'))).toBe('"dG9w"');
    expect(toJson({ safe: 5n, unsafe: 2n ** 60n })).toBe('{"safe":5,"unsafe":"1152921504606846976"}');
  });
});
