import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDagCommands, type DagCommandDeps } from '../src/cli/dag-command.js';
import { registerModuleCommands } from '../src/cli/module-command.js';
import type { ScanEvent } from '../src/model/event.js';
import { aborted, fixtureRegistry, latch, toy } from './fixtures/dags/toy-modules.js';

const dir = join(import.meta.dirname, 'fixtures/dags');

const PING_DAG = `name: ping
description: emits one event per count
nodes:
  - id: ping
    module: pinger
    config: { count: 2 }
`;

interface Outcome { code: number | undefined; out: string; err: string; events: Readonly<ScanEvent>[]; opened: unknown[]; closed: number }

const hang = latch();

async function wasmap(...argv: string[]): Promise<Outcome> {
  const o: Outcome = { code: undefined, out: '', err: '', events: [], opened: [], closed: 0 };
  const registry = fixtureRegistry();
  registry.register(toy({
    name: 'pinger',
    kind: 'scanner',
    config: { count: { type: 'int', min: 0, max: 10, default: 1 }, fail: { type: 'bool', default: false }, hang: { type: 'bool', default: false } },
    async execute(io, c) {
      for (let i = 0; i < (c['count'] as number); i++) {
        io.event({ origin: { type: 'ping', module: 'grabber', ts: 0, ip: '127.0.0.1', port: i, job_id: 't' }, target: { ip: '127.0.0.1', port: i, protocol: 'tcp' }, result: { data: {} } });
      }
      if (c['fail']) throw new Error('pinger gave up');
      if (c['hang']) { hang.open(); await aborted(io.signal); }
    },
  }));
  const io = { stdout: (t: string) => { o.out += t; }, stderr: (t: string) => { o.err += t; }, exit: (c: number) => { o.code = c; } };
  const deps: DagCommandDeps = {
    registry: async () => registry,
    bundledDags: async () => ({ ping: PING_DAG }),
    openOutput: async (opts) => {
      o.opened.push(opts);
      return { write: (ev) => o.events.push(ev), close: async () => { o.closed++; } };
    },
    io,
  };
  const program = new Command('wasmap').exitOverride();
  registerDagCommands(program, deps);
  registerModuleCommands(program, { registry: deps.registry, io });
  await program.parseAsync(argv, { from: 'user' });
  return o;
}

describe('wasmap dag and module commands', () => {
  it('validate prints FILE: valid (N nodes) and exits 0 for a good DAG', async () => {
    const f = join(dir, 'valid.yaml');
    expect(await wasmap('dag', 'validate', f)).toMatchObject({ code: 0, out: `${f}: valid (3 nodes)\n`, err: '' });
  });

  it('validate prints one file:line error per problem and exits 1', async () => {
    const f = join(dir, 'config-errors.yaml');
    const o = await wasmap('dag', 'validate', f);
    expect(o.code).toBe(1);
    const lines = o.out.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe(`${f}:6: error: node "count" (counter): config key "count": 1001 is above the maximum 1000`);
    expect(lines.every((l) => l.startsWith(`${f}:`) && l.includes(': error: '))).toBe(true);
  });

  it('validate --json prints {file, line, code, message, node}', async () => {
    const f = join(dir, 'cycle.yaml');
    const o = await wasmap('dag', 'validate', f, '--json');
    expect(o.code).toBe(1);
    expect(JSON.parse(o.out)).toEqual([{ file: f, line: 3, code: 'cycle', node: 'count', message: expect.stringContaining('count -> double -> collect -> count') }]);
  });

  it('a missing file is one line on stderr and exit 2, naming the bundled DAGs', async () => {
    const o = await wasmap('dag', 'validate', join(dir, 'nope.yaml'));
    expect(o.code).toBe(2);
    expect(o.err).toMatch(/^wasmap: error: no such DAG file or bundled DAG: .*nope\.yaml \(bundled: ping\)\n$/);
  });

  it('run streams events to the sink, applies --set, and prints the summary', async () => {
    const o = await wasmap('dag', 'run', 'ping', '--set', 'ping.count=3', '-o', '/tmp/x.json', '-f', 'json');
    expect(o.code).toBe(0);
    expect(o.opened).toEqual([{ format: 'json', file: '/tmp/x.json' }]);
    expect(o.events.map((e) => e.target.port)).toEqual([0, 1, 2]);
    expect(o.err).toMatch(/^dag ping: ok in \d+ms\nNODE +MODULE +STATUS/);
    expect(o.err).toMatch(/\nping +pinger +ok .* 3 /);
  });

  it('run takes a DAG file from disk and reports a failed node with exit 1', async () => {
    const ok = await wasmap('dag', 'run', join(dir, 'valid.yaml'), '--set', 'count.count=4', '-q');
    expect([ok.code, ok.err, ok.opened]).toEqual([0, '', [{ format: 'jsonl' }]]);
    const failed = await wasmap('dag', 'run', 'ping', '--set', 'ping.fail=yes');
    expect(failed.code).toBe(1);
    expect(failed.events).toHaveLength(2);
    expect(failed.err).toMatch(/\nping +pinger +failed .*\n  ping: pinger gave up\n$/);
  });

  it('run cancels every node on SIGINT, keeps the events so far, closes the output and exits 130', async () => {
    const listeners = process.listenerCount('SIGINT');
    const run = wasmap('dag', 'run', 'ping', '--set', 'ping.hang=true');
    await hang.promise;
    process.emit('SIGINT', 'SIGINT');
    const o = await run;
    expect([o.code, o.events.length, o.closed]).toEqual([130, 2, 1]);
    expect(o.err).toMatch(/^dag ping: cancelled/);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('run refuses an out-of-range --set with the issue, and an uncoercible one with a usage error', async () => {
    const range = await wasmap('dag', 'run', 'ping', '--set', 'ping.count=11');
    expect(range.code).toBe(1);
    expect(range.err).toBe('<bundled ping>:6: error: node "ping" (pinger): config key "count": 11 is above the maximum 10 (from --set)\n');
    expect(range.opened).toEqual([]);
    const bad = await wasmap('dag', 'run', 'ping', '--set', 'ping.count=lots');
    expect([bad.code, bad.err]).toEqual([2, 'wasmap: error: config count=lots: expected an int\n']);
  });

  it('export prints a bundled DAG and refuses an unknown name', async () => {
    expect(await wasmap('dag', 'export', 'ping')).toMatchObject({ code: 0, out: PING_DAG });
    expect(await wasmap('dag', 'export', 'pong')).toMatchObject({ code: 2, err: 'wasmap: error: no bundled DAG named pong (bundled: ping)\n' });
  });

  it('module list and module info describe the registry, including config rules and key types', async () => {
    const list = await wasmap('module', 'list');
    expect(list.out.split('\n')[0]).toMatch(/^NAME +KIND +ORIGIN +VERSION +DESCRIPTION$/);
    expect(list.out).toMatch(/\ncounter +source +builtin +0\.0\.1 +toy module counter\n/);
    const info = await wasmap('module', 'info', 'typed');
    expect(info.out).toContain('provides:    doubled (unknown, many)');
    expect(info.out).toMatch(/\n  ports +list<int> +default \[80\], 1\.\.65535/);
    expect(info.out).toMatch(/\n  token +string +required/);
    expect(await wasmap('module', 'info', 'typd')).toMatchObject({ code: 2, err: 'wasmap: error: no module named typd (did you mean typed?); see wasmap module list\n' });
  });
});
