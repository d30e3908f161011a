import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { listen, type Listener } from '../support/listeners.js';
import { RedisInstance } from '../support/redis-instance.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../support/services.mjs';
import { eventKeys, openPorts, queuedScan, runWasmap, Shards, startWorker, wasmap, type Proc, endAll } from './cluster.js';

// worker and coordinator processes load every plugin (a cold Asyncify cache on a fresh clone under load takes a while)
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const SERVICES = ['redis', 'ssh', 'http'];

/** Shards slowed by --rate 200 over two workers (at least 2.5 s each), so a scan is still running when the test steps in. */
describe('a distributed scan outlives its coordinator and its Redis', () => {
  let redis: RedisInstance;
  let shards: Shards;
  let ports = '';
  let local: string[] = [];
  const listeners: Listener[] = [];
  const procs: Proc[] = [];
  const scanArgs = (): string[] => ['scan', '127.0.0.1', '-p', ports, '--skip-discovery', '--queue', redis.url, '--shard-size', '256', '--rate', '200', '-f', 'jsonl', '-v'];

  beforeAll(async () => {
    redis = await RedisInstance.start({ aof: true });
    shards = new Shards(redis.url);
    const running: { port: number }[] = await startServices(SERVICES);
    listeners.push(await listen('127.0.0.1'));
    ports = ['1-1000', ...running.map((s) => s.port), ...listeners.map((l) => l.port)].join(',');
    const r = await runWasmap(['scan', '127.0.0.1', '-p', ports, '--skip-discovery', '-f', 'jsonl', '-q']);
    expect(r.code, r.stderr).toBe(0);
    local = eventKeys(r.stdout);
  });
  afterEach(async () => {
    await endAll();
    await Promise.all(procs.splice(0).map((p) => p.end()));
  });
  afterAll(async () => {
    await shards?.close();
    await Promise.all(listeners.map((l) => l.close()));
    await stopServices(SERVICES);
    await redis?.close();
  });

  const doneLines = (stderr: string, id: string): number[] => [...stderr.matchAll(new RegExp(`scan ${id} shard (\\d+) done`, 'g'))].map((m) => Number(m[1]));

  it('Ctrl-C of the coordinator leaves the scan resumable; --resume ID gives the local result without running finished shards again', async () => {
    const w1 = await startWorker(redis.url);
    const w2 = await startWorker(redis.url);
    procs.push(w1.p, w2.p);
    const first = wasmap(scanArgs());
    procs.push(first);
    const { id, shards: total } = await queuedScan(first);
    await first.waitStderr(/shard \d+ done by /);
    first.kill('SIGINT');
    const stopped = await first.exited;
    expect(stopped.code, first.stderr).toBe(130);
    expect(first.stderr).toContain(`--resume ${id}`);

    const resumed = wasmap(['scan', '--queue', redis.url, '--resume', id, '-f', 'jsonl', '-v']);
    procs.push(resumed);
    const { code } = await resumed.exited;
    expect(code, resumed.stderr).toBe(0);
    // the resumed run's output is the whole result: the local scan's events, each once
    expect(eventKeys(resumed.stdout)).toEqual(local);
    const open = openPorts(resumed.stdout);
    expect(new Set(open).size).toBe(open.length);
    // each shard ran once over both runs of the coordinator: no finished shard was redone
    const ran = [...doneLines(w1.p.stderr, id), ...doneLines(w2.p.stderr, id)].sort((a, b) => a - b);
    expect(ran).toEqual([...Array(total).keys()]);
    for (let n = 0; n < total; n++) expect((await shards.state(id, n))!.attempts).toBe(1);
  });

  it('Redis stopped and started again mid-scan (AOF on): finished shards stay done, workers reconnect, the scan completes as the local one', async () => {
    const w1 = await startWorker(redis.url);
    const w2 = await startWorker(redis.url);
    procs.push(w1.p, w2.p);
    const c = wasmap(scanArgs());
    procs.push(c);
    const { id, shards: total } = await queuedScan(c);
    await c.waitStderr(/shard \d+ done by /);
    const finished: number[] = [];
    for (let n = 0; n < total; n++) if ((await shards.state(id, n))?.state === 'completed') finished.push(n);
    expect(finished.length).toBeGreaterThan(0);
    expect(finished.length).toBeLessThan(total);
    const before = { w1: w1.p.stderr.length, w2: w2.p.stderr.length };

    await redis.restart();
    for (const n of finished) expect((await shards.state(id, n))?.state).toBe('completed');

    const { code } = await c.exited;
    expect(code, c.stderr).toBe(0);
    expect(eventKeys(c.stdout)).toEqual(local);
    const open = openPorts(c.stdout);
    expect(new Set(open).size).toBe(open.length);
    // the coordinator waited for Redis quietly: no error dumps while it was away
    expect(c.stderr).not.toMatch(/ECONNREFUSED|\n\s+at /);
    // the shards left after the restart were run by the workers that lost Redis
    const after = [...doneLines(w1.p.stderr.slice(before.w1), id), ...doneLines(w2.p.stderr.slice(before.w2), id)];
    expect(after.length).toBeGreaterThan(0);
    expect(w1.p.running && w2.p.running).toBe(true);
  });
});
