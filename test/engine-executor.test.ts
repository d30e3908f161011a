import { describe, expect, it } from 'vitest';
import { createDag } from '../src/engine/dag.js';
import { runDag } from '../src/engine/dag-executor.js';
import type { ScanEvent } from '../src/model/event.js';
import { ModuleRegistry } from '../src/engine/registry.js';
import { aborted, latch, toy } from './fixtures/dags/toy-modules.js';

const event = (ip: string, port: number, data: Record<string, unknown> = {}): ScanEvent => ({
  origin: { type: 'toy', module: 'grabber', ts: 0, ip, port, job_id: 'test' },
  target: { ip, port, protocol: 'tcp' },
  result: { data },
});

describe('DAG executor', () => {
  it('runs two independent nodes at the same time', async () => {
    const arrived = { a: latch(), b: latch() };
    const stamps: Record<string, { start: number; end: number }> = {};
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'meet',
      async execute(_io, _c, id) {
        const start = performance.now();
        const me = id as 'a' | 'b';
        arrived[me].open();
        // each node waits for the other to have started: run one after the other, this never returns
        await arrived[me === 'a' ? 'b' : 'a'].promise;
        stamps[id] = { start, end: performance.now() };
      },
    }));
    const s = await runDag(createDag({ name: 'par', nodes: [{ id: 'a', module: 'meet' }, { id: 'b', module: 'meet' }] }), { registry: r });
    expect(s.nodes.map((n) => n.status)).toEqual(['ok', 'ok']);
    // overlap: each started before the other ended (equal only at clock resolution)
    expect(stamps['a']!.start).toBeLessThanOrEqual(stamps['b']!.end);
    expect(stamps['b']!.start).toBeLessThanOrEqual(stamps['a']!.end);
    // the summary shows the same overlap, give or take its rounding to 0.01 ms
    const [na, nb] = s.nodes;
    expect(na!.started_ms).toBeLessThanOrEqual(nb!.started_ms + nb!.duration_ms + 0.02);
    expect(nb!.started_ms).toBeLessThanOrEqual(na!.started_ms + na!.duration_ms + 0.02);
  });

  it('streams: a consumer gets the first item before its producer has finished', async () => {
    const firstSeen = latch();
    const log: string[] = [];
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'producer',
      provides: ['numbers'],
      async execute(io) {
        io.write('numbers', { n: 1 });
        log.push('produced 1');
        await firstSeen.promise;
        io.write('numbers', { n: 2 });
        log.push('produced 2');
      },
    }));
    r.register(toy({
      name: 'consumer',
      requires: ['numbers'],
      provides: ['sum'],
      async execute(io) {
        let sum = 0;
        for await (const x of io.read<{ n: number }>('numbers')) {
          log.push(`consumed ${x.n}`);
          sum += x.n;
          firstSeen.open();
        }
        io.write('sum', { sum });
      },
    }));
    const s = await runDag(createDag({ name: 'stream', nodes: [{ id: 'c', module: 'consumer' }, { id: 'p', module: 'producer' }] }), { registry: r, keep: 'all' });
    expect(log).toEqual(['produced 1', 'consumed 1', 'produced 2', 'consumed 2']);
    expect(s.context.getOne<{ sum: number }>('sum')).toEqual({ sum: 3 });
    expect(s.nodes.find((n) => n.id === 'p')!.writes).toEqual({ numbers: 2 });
  });

  it('holds a depends_on node until its dependency finished, even a failed one', async () => {
    const aRunning = latch();
    const release = latch();
    const log: string[] = [];
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'first',
      async execute() {
        log.push('a start');
        aRunning.open();
        await release.promise;
        log.push('a end');
        throw new Error('a broke');
      },
    }));
    r.register(toy({ name: 'second', async execute() { log.push('b start'); } }));
    const run = runDag(createDag({ name: 'barrier', nodes: [{ id: 'b', module: 'second', depends_on: ['a'] }, { id: 'a', module: 'first' }] }), { registry: r });
    await aRunning.promise;
    // give b every chance to start early: several full event-loop turns
    for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res));
    expect(log).toEqual(['a start']);
    release.open();
    const s = await run;
    expect(log).toEqual(['a start', 'a end', 'b start']);
    expect(s.nodes.map((n) => [n.id, n.status])).toEqual([['b', 'ok'], ['a', 'failed']]);
  });

  it('cancellation reaches every node, ends blocked reads and still runs cleanup', async () => {
    const started = { p: latch(), c: latch(), idle: latch() };
    const cleaned: string[] = [];
    let consumerError: unknown;
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'endless',
      provides: ['numbers'],
      async execute(io) {
        io.write('numbers', { n: 0 });
        started.p.open();
        await aborted(io.signal);
      },
      cleanup: (id) => cleaned.push(id),
    }));
    r.register(toy({
      name: 'reader',
      requires: ['numbers'],
      async execute(io) {
        try {
          for await (const _ of io.read('numbers')) started.c.open();
        } catch (e) {
          consumerError = e;
          throw e;
        }
      },
      cleanup: (id) => cleaned.push(id),
    }));
    r.register(toy({
      name: 'idle',
      async execute(io) { started.idle.open(); await aborted(io.signal); },
      cleanup: (id) => cleaned.push(id),
    }));
    r.register(toy({ name: 'later', async execute() { cleaned.push('later ran'); } }));
    const ac = new AbortController();
    const run = runDag(createDag({
      name: 'cancel',
      nodes: [
        { id: 'p', module: 'endless' },
        { id: 'c', module: 'reader' },
        { id: 'idle', module: 'idle' },
        { id: 'after', module: 'later', depends_on: ['idle'] },
      ],
    }), { registry: r, signal: ac.signal });
    await Promise.all([started.p.promise, started.c.promise, started.idle.promise]);
    ac.abort(new Error('user stop'));
    const s = await run;
    expect(s.nodes.map((n) => [n.id, n.status])).toEqual([['p', 'cancelled'], ['c', 'cancelled'], ['idle', 'cancelled'], ['after', 'cancelled']]);
    expect(s.status).toBe('cancelled');
    expect((consumerError as Error).message).toBe('user stop');
    expect(cleaned.sort()).toEqual(['c', 'idle', 'p']);
  });

  it('a failing node keeps its partial results and its consumers finish', async () => {
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'flaky',
      provides: ['numbers'],
      async execute(io) {
        io.write('numbers', { n: 1 });
        io.write('numbers', { n: 2 });
        throw new Error('lost the connection');
      },
    }));
    r.register(toy({
      name: 'collector',
      requires: ['numbers'],
      provides: ['seen'],
      async execute(io) { io.write('seen', { n: (await io.all('numbers')).length }); },
    }));
    r.register(toy({ name: 'bystander', async execute(io) { io.count('ran'); } }));
    const s = await runDag(createDag({
      name: 'fail',
      nodes: [{ id: 'src', module: 'flaky' }, { id: 'col', module: 'collector' }, { id: 'other', module: 'bystander' }],
    }), { registry: r, keep: 'all' });
    expect(s.nodes.map((n) => [n.id, n.status, n.error])).toEqual([
      ['src', 'failed', 'lost the connection'],
      ['col', 'ok', undefined],
      ['other', 'ok', undefined],
    ]);
    expect(s.status).toBe('failed');
    expect(s.nodes[0]!.writes).toEqual({ numbers: 2 });
    expect(s.nodes[2]!.counters).toEqual({ ran: 1 });
    expect(s.context.getOne('seen')).toEqual({ n: 2 });
    expect(s.context.getAll('numbers')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('records each instance of a module under <module>.<node>.<key>, the plain key being the union', async () => {
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'letters',
      provides: ['words'],
      config: { letter: { type: 'string', required: true } },
      async execute(io, c) { for (let i = 0; i < 2; i++) io.write('words', { w: `${c['letter'] as string}${i}` }); },
    }));
    r.register(toy({
      name: 'only_b',
      requires: ['letters.b.words'],
      provides: ['picked'],
      async execute(io) { for await (const x of io.read<{ w: string }>('letters.b.words')) io.write('picked', x); },
    }));
    r.register(toy({
      name: 'everything',
      requires: ['words'],
      provides: ['all_words'],
      async execute(io) { for (const x of await io.all<{ w: string }>('words')) io.write('all_words', x); },
    }));
    const s = await runDag(createDag({
      name: 'twice',
      nodes: [
        { id: 'a', module: 'letters', config: { letter: 'a' } },
        { id: 'b', module: 'letters', config: { letter: 'b' } },
        { id: 'pick', module: 'only_b' },
        { id: 'union', module: 'everything' },
      ],
    }), { registry: r, keep: 'all' });
    expect(s.status).toBe('ok');
    expect(s.context.getAll<{ w: string }>('picked').map((x) => x.w)).toEqual(['b0', 'b1']);
    expect(s.context.getAll<{ w: string }>('all_words').map((x) => x.w).sort()).toEqual(['a0', 'a1', 'b0', 'b1']);
    expect(s.context.getAll<{ w: string }>('letters.a.words').map((x) => x.w)).toEqual(['a0', 'a1']);
  });

  it('hands consumers read-only items that the producer can no longer change', async () => {
    const outcome: Record<string, unknown> = {};
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'bytes',
      provides: ['banners'],
      async execute(io) {
        const item = { ip: '127.0.0.1', port: 22, banner: new Uint8Array([83, 83, 72]), method: 'passive', meta: { tags: ['x'] } };
        io.write('banners', item);
        item.port = 23;
        item.banner[0] = 0;
      },
    }));
    r.register(toy({
      name: 'vandal',
      requires: ['banners'],
      async execute(io) {
        const [b] = await io.all<{ port: number; banner: Uint8Array; meta: { tags: string[] } }>('banners');
        try { (b as { port: number }).port = 1; } catch (e) { outcome['port'] = (e as Error).name; }
        try { (b!.meta.tags as string[]).push('y'); } catch (e) { outcome['tags'] = (e as Error).name; }
        b!.banner[1] = 0; // bytes cannot be frozen: this reader scribbles on its own copy
        outcome['seen'] = [b!.port, [...b!.banner]];
      },
    }));
    const s = await runDag(createDag({ name: 'ro', nodes: [{ id: 'p', module: 'bytes' }, { id: 'v', module: 'vandal' }] }), { registry: r, keep: 'all' });
    expect(outcome).toEqual({ port: 'TypeError', tags: 'TypeError', seen: [22, [83, 0, 72]] });
    const stored = s.context.getOne<{ port: number; banner: Uint8Array }>('banners')!;
    expect([stored.port, [...stored.banner]]).toEqual([22, [83, 83, 72]]);
  });

  it('stores only the keys some node reads (events included): memory follows the DAG, not the results', async () => {
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'many',
      provides: ['numbers', 'unread'],
      async execute(io) {
        for (let n = 0; n < 1000; n++) {
          io.write('numbers', { n });
          io.write('unread', { n });
          io.event(event('127.0.0.1', n));
        }
      },
    }));
    r.register(toy({ name: 'total', requires: ['numbers'], async execute(io) { io.count('sum', (await io.all('numbers')).length); } }));
    let streamed = 0;
    const dag = createDag({ name: 'keep', nodes: [{ id: 'm', module: 'many' }, { id: 't', module: 'total' }] });
    const s = await runDag(dag, { registry: r, onEvent: () => streamed++ });
    expect(streamed).toBe(1000); // every event still reaches the sink
    expect(s.nodes.find((n) => n.id === 't')!.counters.sum).toBe(1000);
    expect(s.context.keys()).toEqual(['many.m.numbers', 'numbers']);
    const all = await runDag(dag, { registry: r, keep: 'all' });
    expect(all.context.count('unread')).toBe(1000);
    expect(all.context.count('events')).toBe(1000);
  });

  it('refuses a write to a key the module did not declare, and a read of one', async () => {
    const codes: Record<string, unknown> = {};
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'sneaky',
      provides: ['numbers'],
      async execute(io) {
        try { io.read('secrets'); } catch (e) { codes['read'] = (e as { code?: string }).code; }
        io.write('numbers', { n: 1 });
        io.write('open_ports', { ip: '127.0.0.1', port: 1 });
      },
    }));
    const s = await runDag(createDag({ name: 'undeclared', nodes: [{ id: 'x', module: 'sneaky' }] }), { registry: r, keep: 'all' });
    expect(codes['read']).toBe('WASMAP_DAG');
    expect(s.nodes[0]!.status).toBe('failed');
    expect(s.nodes[0]!.error_code).toBe('WASMAP_DAG');
    expect(s.nodes[0]!.error).toContain('module "sneaky"');
    expect(s.nodes[0]!.error).toContain('"open_ports"');
    expect(s.context.count('open_ports')).toBe(0);
    expect(s.context.count('numbers')).toBe(1);
  });

  it('configures each node with defaults filled and --set overrides applied', async () => {
    const seen: Record<string, Record<string, unknown>> = {};
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'conf',
      config: {
        timeout: { type: 'int', default: 1000 },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        ports: { type: 'list', items: 'int', default: [22] },
      },
      async execute(_io, c, id) { seen[id] = c; },
    }));
    const dag = createDag({ name: 'cfg', nodes: [{ id: 'x', module: 'conf', config: { mode: 'b' } }, { id: 'y', module: 'conf' }] });
    await runDag(dag, { registry: r, overrides: { y: { timeout: 5 } } });
    expect(seen).toEqual({ x: { timeout: 1000, mode: 'b', ports: [22] }, y: { timeout: 5, mode: 'a', ports: [22] } });
    await expect(runDag(dag, { registry: r, overrides: { y: { timeout: 'soon' } } })).rejects.toMatchObject({
      code: 'WASMAP_DAG',
      issues: [{ code: 'config-type', node: 'y' }],
    });
  });

  it('delivers events to the sink and to event readers, and two readers do not wait on each other', async () => {
    const sink: string[] = [];
    const got: Record<string, number[]> = {};
    const r = new ModuleRegistry();
    r.register(toy({
      name: 'emitter',
      async execute(io) { for (const p of [22, 80]) io.event(event('127.0.0.1', p)); },
    }));
    r.register(toy({
      name: 'reporter',
      kind: 'reporter',
      requires: ['events'],
      async execute(io, _c, id) {
        got[id] = [];
        for await (const ev of io.read<ScanEvent>('events')) got[id]!.push(ev.target.port);
        io.event(event('127.0.0.1', 1, { from: id }));
      },
    }));
    const s = await runDag(createDag({
      name: 'events',
      nodes: [{ id: 'e', module: 'emitter' }, { id: 'r1', module: 'reporter' }, { id: 'r2', module: 'reporter' }],
    }), { registry: r, onEvent: (ev, from) => sink.push(`${from.nodeId}:${ev.target.port}`) });
    expect(got).toEqual({ r1: [22, 80], r2: [22, 80] });
    expect(sink.sort()).toEqual(['e:22', 'e:80', 'r1:1', 'r2:1']);
    expect(s.nodes.map((n) => n.events)).toEqual([2, 1, 1]);
  });

  it('runs cleanup when initialize fails and reports the failure', async () => {
    const calls: string[] = [];
    const r = new ModuleRegistry();
    r.register({
      name: 'bad_init', description: '', version: '1', kind: 'scanner', config: {}, requires: [], provides: [],
      create: () => ({
        initialize() { calls.push('init'); throw new Error('no socket'); },
        async execute() { calls.push('execute'); },
        cleanup() { calls.push('cleanup'); },
      }),
    });
    const s = await runDag(createDag({ name: 'init', nodes: [{ id: 'n', module: 'bad_init' }] }), { registry: r });
    expect(calls).toEqual(['init', 'cleanup']);
    expect(s.nodes[0]).toMatchObject({ status: 'failed', error: 'no socket' });
  });
});
