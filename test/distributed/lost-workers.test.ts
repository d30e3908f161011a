import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { listen, type Listener } from '../support/listeners.js';
import { RedisInstance } from '../support/redis-instance.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../support/services.mjs';
import { decodeResult } from '../../src/distributed/protocol.js';
import { eventKeys, openPorts, queuedScan, runWasmap, Shards, startWorker, wasmap, type Proc, endAll } from './cluster.js';

// worker and coordinator processes load every plugin (a cold Asyncify cache on a fresh clone under load takes a while)
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const SERVICES = ['redis', 'ssh', 'http'];

/**
 * Shards made slow on purpose: --rate 200 shared by two workers is 100
 * probes/s each, so a 256-port shard holds its worker at least 2.5 s — time
 * to catch it running and kill or stop that worker.
 */
describe('a worker lost mid-shard: the shard moves on, its events count once', () => {
  let redis: RedisInstance;
  let shards: Shards;
  let ports = '';
  let local: string[] = [];
  const listeners: Listener[] = [];
  const procs: Proc[] = [];

  beforeAll(async () => {
    redis = await RedisInstance.start();
    shards = new Shards(redis.url);
    const running: { port: number }[] = await startServices(SERVICES);
    listeners.push(await listen('127.0.0.1'), await listen('127.0.0.1', { greet: '220 test ESMTP ready\r\n' }));
    ports = ['1-1000', ...running.map((s) => s.port), ...listeners.map((l) => l.port)].join(',');
    const r = await runWasmap(['scan', '127.0.0.1', '-p', ports, '--skip-discovery', '-f', 'jsonl', '-q']);
    expect(r.code, r.stderr).toBe(0);
    local = eventKeys(r.stdout);
    expect(openPorts(r.stdout).length).toBeGreaterThanOrEqual(SERVICES.length + listeners.length);
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

  async function scanWithTwoWorkers() {
    const w1 = await startWorker(redis.url);
    const w2 = await startWorker(redis.url);
    procs.push(w1.p, w2.p);
    const c = wasmap(['scan', '127.0.0.1', '-p', ports, '--skip-discovery', '--queue', redis.url, '--shard-size', '256', '--rate', '200', '-f', 'jsonl', '-v']);
    procs.push(c);
    const scan = await queuedScan(c);
    // a shard w1 is running right now
    const n = await shards.waitFor(scan.id, scan.shards, (s) => s.state === 'active' && s.by === w1.id);
    return { w1, w2, c, scan, n };
  }

  async function expectSameAsLocal(c: Proc): Promise<void> {
    const { code } = await c.exited;
    expect(code, c.stderr).toBe(0);
    expect(eventKeys(c.stdout)).toEqual(local);
    const open = openPorts(c.stdout);
    expect(new Set(open).size).toBe(open.length);
  }

  it('SIGKILL: the other worker runs the shard once the lock expires; every open port exactly once', async () => {
    const { w1, w2, c, scan, n } = await scanWithTwoWorkers();
    w1.p.kill('SIGKILL');
    await expectSameAsLocal(c);
    const job = (await shards.job(scan.id, n))!;
    expect(await job.getState()).toBe('completed');
    expect(job.processedBy).toBe(w2.id);
    expect(decodeResult(String(job.returnvalue)).worker).toBe(w2.id);
    expect(w2.p.stderr).toMatch(new RegExp(`scan ${scan.id} shard ${n} done`));
  });

  it('SIGSTOP past the lock, then SIGCONT: the shard is re-run elsewhere and the late completion is refused', async () => {
    const { w1, w2, c, scan, n } = await scanWithTwoWorkers();
    w1.p.kill('SIGSTOP');
    // w2's stalled check moves the shard back once w1's 4 s lock is gone, and w2 takes it
    await shards.waitFor(scan.id, scan.shards, (s, k) => k === n && s.by === w2.id, 30_000);
    w1.p.kill('SIGCONT');
    // w1 wakes up still running the shard: BullMQ refuses what it hands back (its lock is gone)
    const job = `${scan.id}-shard${n}`;
    await w1.p.waitStderr(new RegExp(`queue: (?:Missing lock for job ${job}|Lock mismatch for job ${job}|Job ${job} is not in the active state)\\. (?:Cmd )?moveToFinished`), 30_000);
    // and w1 does not call it done
    expect(w1.p.stderr).not.toMatch(new RegExp(`scan ${scan.id} shard ${n} done`));
    await expectSameAsLocal(c);
    const done = (await shards.job(scan.id, n))!;
    expect(await done.getState()).toBe('completed');
    expect(decodeResult(String(done.returnvalue)).worker).toBe(w2.id);
    // the coordinator took the shard from w2 only
    expect(c.stderr).toMatch(new RegExp(`shard ${n} done by ${w2.id.replace(/[.]/g, '\\.')} `));
    expect(c.stderr).not.toMatch(new RegExp(`shard ${n} done by ${w1.id.replace(/[.]/g, '\\.')} `));
  });
});
