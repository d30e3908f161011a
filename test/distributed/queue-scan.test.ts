import { describe, it, expect, beforeAll, afterAll, afterEach, onTestFinished, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expectRefusal, parseJsonl } from '../support/cli.js';
import { listen, type Listener } from '../support/listeners.js';
import { freePort, RedisInstance } from '../support/redis-instance.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../support/services.mjs';
import { decodePlan, planKey, pluginKey } from '../../src/distributed/protocol.js';
import { SLOTS_KEY } from '../../src/distributed/shard-worker.js';
import { eventKeys, openPorts, queuedScan, runWasmap, startWorker, wasmap, type Proc, endAll } from './cluster.js';

// worker and coordinator processes load every plugin (a cold Asyncify cache on a fresh clone under load takes a while)
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const SERVICES = ['redis', 'ssh', 'http'];

describe('wasmap scan --queue with wasmap worker processes on a real Redis', () => {
  let redis: RedisInstance;
  let ports = '';
  const listeners: Listener[] = [];
  const procs: Proc[] = [];
  const track = <T extends { p: Proc } | Proc>(x: T): T => {
    procs.push('p' in x ? x.p : x);
    return x;
  };

  beforeAll(async () => {
    redis = await RedisInstance.start();
    const running: { port: number }[] = await startServices(SERVICES);
    // a silent port and a talking one of our own, beside the daemons
    listeners.push(await listen('127.0.0.1'), await listen('127.0.0.1', { greet: 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n' }));
    ports = ['1-3000', ...running.map((s) => s.port), ...listeners.map((l) => l.port)].join(',');
  });
  afterEach(async () => {
    await endAll();
    await Promise.all(procs.splice(0).map((p) => p.end()));
  });
  afterAll(async () => {
    await Promise.all(listeners.map((l) => l.close()));
    await stopServices(SERVICES);
    await redis?.close();
  });

  it('two workers give the local scan\'s events (discovery on, several shards), each once; scan status says all shards done', async () => {
    const local = await runWasmap(['scan', '127.0.0.1', '-p', ports, '-f', 'jsonl', '-q']);
    expect(local.code, local.stderr).toBe(0);
    await Promise.all([track(await startWorker(redis.url)), track(await startWorker(redis.url))]);
    const c = track(wasmap(['scan', '127.0.0.1', '-p', ports, '--queue', redis.url, '--shard-size', '256', '-f', 'jsonl', '-v']));
    const { id, shards } = await queuedScan(c);
    expect(shards).toBeGreaterThan(5);
    const { code } = await c.exited;
    expect(code, c.stderr).toBe(0);
    expect(eventKeys(c.stdout)).toEqual(eventKeys(local.stdout));
    const open = openPorts(c.stdout);
    expect(new Set(open).size).toBe(open.length);
    expect(open.length).toBeGreaterThanOrEqual(SERVICES.length + listeners.length);
    // both workers took shards
    const by = new Set([...c.stderr.matchAll(/shard \d+ done by (\S+)/g)].map((m) => m[1]));
    expect(by.size).toBe(2);
    const status = await runWasmap(['scan', 'status', id, '--queue', redis.url]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`shards ${shards}: ${shards} done, 0 running, 0 waiting, 0 failed`);
  });

  it('refuses plugin bytes tampered in Redis: the shard fails for good with that one line and the scan still completes', async () => {
    const c = track(wasmap(['scan', '127.0.0.1', '-p', `1-600,${ports.split(',').slice(1).join(',')}`, '--skip-discovery', '--queue', redis.url, '--shard-size', '256', '--attempts', '1', '-f', 'jsonl']));
    const { id, shards } = await queuedScan(c);
    const r = redis.client();
    let victim: { name: string; sha256: string };
    try {
      const plan = decodePlan((await r.get(planKey(id)))!);
      victim = plan.plugins[0]!;
      expect(await r.exists(pluginKey(victim.sha256))).toBe(1);
      await r.set(pluginKey(victim.sha256), Buffer.from('not the plugin the coordinator sent'));
    } finally {
      r.disconnect();
    }
    // a worker with an empty plugin cache: it must fetch (and check) the bytes
    const cold = mkdtempSync(join(tmpdir(), 'wasmap-cold-worker-'));
    onTestFinished(() => rmSync(cold, { recursive: true, force: true }));
    const w = track(await startWorker(redis.url, [], { XDG_CACHE_HOME: cold }));
    const { code } = await c.exited;
    // the scan completes (every event written), and its exit status says a part of it failed
    expect(code, c.stderr).toBe(1);
    const refusal = new RegExp(`plugin ${victim.name}: the bytes in Redis hash to [0-9a-f]{16}…, not ${victim.sha256.slice(0, 16)}…: refused \\(tampered or corrupted\\)`);
    const workerLines = w.p.stderr.split('\n').filter((l) => /shard \d+ failed/.test(l));
    expect(workerLines).toHaveLength(shards);
    for (const l of workerLines) expect(l).toMatch(new RegExp(`^wasmap worker: scan ${id} shard \\d+ failed: ${refusal.source}$`));
    const failedForGood = c.stderr.split('\n').filter((l) => /shard \d+ failed for good/.test(l));
    expect(failedForGood).toHaveLength(shards);
    for (const l of failedForGood) expect(l).toMatch(new RegExp(`^wasmap: warning: shard \\d+ failed for good: ${refusal.source}$`));
    const events = parseJsonl(c.stdout);
    const errors = events.filter((e) => e.origin.type === 'shard');
    expect(errors.map((e) => e.result.data.shard).sort((a, b) => a - b)).toEqual([...Array(shards).keys()]);
    for (const e of errors) {
      expect(e.result.status).toBe('shard-failed');
      expect(e.result.error).toMatch(refusal);
    }
    // nothing was scanned with bytes nobody checked
    expect(events.filter((e) => e.origin.type === 'portscan')).toEqual([]);
    const status = await runWasmap(['scan', 'status', id, '--queue', redis.url]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`${shards} failed`);
  });

  it('--rate is for the whole scan: two workers at --rate 400 take at least 2000/400 s for 2000 ports', async () => {
    // the workers SIGKILLed by earlier tests left slots that would slow these two down: only these two count
    const r = redis.client();
    await r.del(SLOTS_KEY);
    r.disconnect();
    await Promise.all([track(await startWorker(redis.url)), track(await startWorker(redis.url))]);
    // 2000 closed loopback ports in 10 shards: a per-worker rate would finish in about half the time
    const c = track(wasmap(['scan', '127.0.0.1', '-p', '3001-5000', '--skip-discovery', '--queue', redis.url, '--shard-size', '200', '--rate', '400', '-f', 'jsonl', '-v']));
    await queuedScan(c);
    const queuedAt = performance.now();
    const { code } = await c.exited;
    const seconds = (performance.now() - queuedAt) / 1000;
    expect(code, c.stderr).toBe(0);
    expect(Number(/([\d,]+) ports probed/.exec(c.stderr)![1]!.replace(/,/g, ''))).toBe(2000);
    expect(new Set([...c.stderr.matchAll(/shard \d+ done by (\S+)/g)].map((m) => m[1])).size).toBe(2);
    // a lower bound holds on any machine; 10% off for the bucket's small burst per shard
    expect(seconds).toBeGreaterThanOrEqual((2000 / 400) * 0.9);
  });

  describe('bad input: exit 2, one line, nothing enqueued', () => {
    const DB = 5;
    const dbKeys = async (): Promise<string[]> => {
      const r = new Redis({ host: '127.0.0.1', port: redis.port, db: DB });
      try {
        return await r.keys('*');
      } finally {
        r.disconnect();
      }
    };
    const scan = (...extra: string[]) => runWasmap(['scan', '127.0.0.1', '-p', '1-100', '--skip-discovery', ...extra]);

    it('a bad --queue URL, a closed loopback port, --shard-size 0, an unknown --resume id, --attempts without --queue', async () => {
      const url = `${redis.url}/${DB}`;
      expectRefusal(await scan('--queue', 'http://127.0.0.1:1'), /--queue http:\/\/127\.0\.0\.1:1: only redis:\/\/ and rediss:\/\/ URLs/);
      expectRefusal(await scan('--queue', 'redis://127.0.0.1:6379/99'), /the database must be a number 0-15/);
      const closed = await freePort();
      expectRefusal(await scan('--queue', `redis://127.0.0.1:${closed}`), new RegExp(`--queue redis://127\\.0\\.0\\.1:${closed}: cannot reach Redis`));
      expectRefusal(await scan('--queue', url, '--shard-size', '0'), /--shard-size/);
      expectRefusal(await runWasmap(['scan', '--queue', url, '--resume', 'no-such-scan']), /--resume no-such-scan: no such scan in/);
      expectRefusal(await scan('--attempts', '2'), /--attempts needs --queue/);
      expect(await dbKeys()).toEqual([]);
    });

    it('only workers of another wasmap version listen: the coordinator says so instead of waiting', async () => {
      const other = redis.client('wasmap-worker-v0.0.0-test:x');
      try {
        await other.ping();
        const r = await scan('--queue', `${redis.url}/${DB}`);
        expectRefusal(r, /the workers on redis:\/\/127\.0\.0\.1:\d+\/5 run wasmap 0\.0\.0-test; this coordinator is wasmap \S+: they will not take its shards/);
        expect(await dbKeys()).toEqual([]);
      } finally {
        other.disconnect();
      }
    });
  });
});
