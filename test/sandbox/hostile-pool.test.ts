import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWat } from './helpers/wat.js';
import { echoServer, tcpServer, testRuntime, type TestServer } from './helpers/fixtures.js';
import type { InvocationResult, LoadedPlugin, PluginRuntime } from '../../src/sandbox/index.js';
import { DEFAULT_LIMITS } from '../../src/sandbox/limits.js';
import { validateManifest } from '../../src/sandbox/manifest.js';
import { WorkerPool } from '../../src/sandbox/pool.js';

/**
 * Issue #10, items 8 and 10: hostile plugins against the worker pool. A
 * plugin that spins, hogs the CPU or grows its memory must cost innocent
 * invocations nothing: they succeed, and each emit reaches the caller once.
 */

const target = (port: number) => ({ ip: '127.0.0.1', port, transport: 'tcp' as const });
const sshBanner = (i: number) => ({ target: target(22), context: { banner: Buffer.from(`SSH-2.0-OpenSSH_${i}\r\n`) } });

/** A server answering each line after `delayMs`; `received(n)` resolves once n lines in all have arrived. */
async function delayedEcho(delayMs: number): Promise<TestServer & { lines(): number; received(n: number): Promise<void> }> {
  let lines = 0;
  const waiting: { n: number; resolve(): void }[] = [];
  const server = await tcpServer((s) => {
    s.on('data', (d) => {
      lines += d.toString().split('\n').length - 1;
      for (const w of waiting.filter((x) => lines >= x.n)) w.resolve();
      setTimeout(() => s.writable && s.write(`ECHO ${d.toString().trim()}\n`), delayMs);
    });
  });
  return {
    ...server,
    lines: () => lines,
    received: (n) => (lines >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve }))),
  };
}

/** Innocent work: echo sessions suspended in recv and CPU-light banner checks, with per-invocation emit counts. */
function innocents(rt: PluginRuntime, echo: LoadedPlugin, banner: LoadedPlugin, port: number, n: number) {
  const delivered = Array.from({ length: n }, () => 0);
  const sessions = Array.from({ length: n }, (_, i) => rt.invoke(echo, { target: target(port) }, () => delivered[i]!++));
  const checks = Array.from({ length: n }, (_, i) => rt.invoke(banner, sshBanner(i)));
  return {
    async verify(): Promise<void> {
      for (const r of await Promise.all(sessions)) {
        expect(r.status, r.error).toBe('success');
        expect(Buffer.from(r.provides.reply as Uint8Array).toString()).toBe('ECHO HELLO\n');
        expect(r.emitted).toEqual([{ stage: 'sent' }]);
      }
      expect(delivered).toEqual(Array.from({ length: n }, () => 1)); // none lost, none delivered twice
      for (const r of await Promise.all(checks)) expect(r.service).toEqual({ name: 'ssh' });
    },
  };
}

describe('a spinning plugin beside innocent work', () => {
  let rt: PluginRuntime;
  let slow: Awaited<ReturnType<typeof delayedEcho>>;
  let echo: LoadedPlugin;
  let banner: LoadedPlugin;

  beforeAll(async () => {
    rt = testRuntime({ workers: 2, limits: { cpu_ms: 300, wall_ms: 20_000 } });
    slow = await delayedEcho(400);
    echo = await rt.load(compileWat('echo-line'));
    banner = await rt.load(compileWat('banner-match'));
  });
  afterAll(async () => {
    await rt.close();
    await slow.close();
  });

  it('fails only the spinner (cpu_ms); every innocent result arrives once; the spinner ends up refused', async () => {
    const loop = await rt.load(compileWat('loop'));
    const base = slow.lines();
    const good = innocents(rt, echo, banner, slow.port, 16);
    await slow.received(base + 16); // every echo session is suspended in recv, on both workers
    // As in the issue: the spinner on six ports at once.
    const spins = await Promise.all(Array.from({ length: 6 }, () => rt.invoke(loop, { target: target(1) })));
    await good.verify();
    for (const r of spins) {
      expect(r.status).toBe('application-error');
      expect(r.sandbox.limit).toBe('cpu_ms');
    }
    expect(rt.quarantined).toContain('loop');
    // Three stopped workers were its share: it is now refused at once, and nobody re-runs.
    const kills = rt.workerKills;
    const reruns = rt.reruns;
    const later = innocents(rt, echo, banner, slow.port, 8);
    const refused = await rt.invoke(loop, { target: target(1) });
    await later.verify();
    expect(refused.error).toMatch(/quarantined: this plugin stopped its worker 3 times \(last: cpu_ms\)/);
    expect(refused.sandbox.limit).toBe('cpu_ms');
    expect(rt.workerKills).toBe(kills);
    expect(rt.reruns).toBe(reruns);
  });

  it('runs a quarantined plugin on a worker of its own: stopping it again re-runs no innocent work', async () => {
    const loop = await rt.load(compileWat('loop', { abi: 1, name: 'loop-again', version: '1.0.0', kind: 'detection' }));
    const first = await rt.invoke(loop, { target: target(1) });
    expect(first.sandbox.limit).toBe('cpu_ms');
    expect(rt.quarantined).toContain('loop-again');

    const down: Record<string, unknown>[] = [];
    const listener = (m: unknown) => down.push(m as Record<string, unknown>);
    subscribe('wasmap:plugin:worker-down', listener);
    try {
      const reruns = rt.reruns;
      const kills = rt.workerKills;
      const base = slow.lines();
      const good = innocents(rt, echo, banner, slow.port, 16);
      await slow.received(base + 16);
      const again = await rt.invoke(loop, { target: target(1) });
      await good.verify();
      expect(again.sandbox.limit).toBe('cpu_ms');
      expect(rt.workerKills).toBe(kills + 1);
      expect(rt.reruns).toBe(reruns); // the stopped worker held nothing but the spinner
      expect(down).toEqual([{ reason: 'watchdog', limit: 'cpu_ms', invocation: expect.any(Number), orphans: 0, lane: 'loop-again' }]);
    } finally {
      unsubscribe('wasmap:plugin:worker-down', listener);
    }
  });
});

describe('a worker that dies for no known reason', () => {
  // The stand-in worker of pool.test.ts: `crash` throws in the worker, as a
  // plugin that brings down its JS heap would.
  const script = fileURLToPath(new URL('./helpers/fake-worker.mjs', import.meta.url));
  const reg = (pid: number, name: string) => ({
    pid,
    module: new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])),
    manifest: validateManifest({ abi: 1, name, version: '1.0.0', kind: 'evaluator' }),
    limits: { ...DEFAULT_LIMITS },
    asyncified: false,
    memoryPages: 1,
  });
  let pool: WorkerPool;
  afterAll(() => pool.close());

  it('blames per plugin: the innocent plugin beside a crashing one counts no attempt and loses nothing', async () => {
    pool = new WorkerPool(2, script, []);
    const innocent = reg(1, 'innocent');
    const crasher = reg(2, 'crasher');
    pool.register(innocent);
    pool.register(crasher);
    const modes: unknown[] = [];
    const listener = (m: unknown) => modes.push(m);
    subscribe('wasmap:plugin:quarantine', listener);
    try {
      const good = Array.from({ length: 10 }, (_, n) => pool.run(1, innocent.manifest, '{}', { bytes: pack({ n, delay: 1500 }), config: {} }));
      const bad = await pool.run(2, crasher.manifest, '{}', { bytes: pack({ n: 99, crash: true, delay: 5000 }), config: {} });
      // Its worker died under it three times: once beside the innocent plugin
      // (both then went on probation), twice on a worker of its own.
      expect(bad.result.error).toMatch(/worker died 3 times/);
      for (const r of await Promise.all(good)) expect(r.result.status).toBe('success');
      expect(modes).toContainEqual({ plugin: 'crasher', mode: 'quarantine' });
      expect(pool.quarantined()).toEqual(['crasher']); // the innocent one's probation ended
    } finally {
      unsubscribe('wasmap:plugin:quarantine', listener);
    }
  });
});

describe('a plugin that computes 900 ms then sleeps 1 ms, over and over', () => {
  let rt: PluginRuntime;
  let server: TestServer;
  const down: Record<string, unknown>[] = [];
  const listener = (m: unknown) => down.push(m as Record<string, unknown>);

  beforeAll(async () => {
    rt = testRuntime({ workers: 1 }); // default limits; one worker holds everything
    server = await echoServer();
    subscribe('wasmap:plugin:worker-down', listener);
  });
  afterAll(async () => {
    unsubscribe('wasmap:plugin:worker-down', listener);
    await rt.close();
    await server.close();
  });

  it('does not cost the invocations beside it their results', async () => {
    const chatty = await rt.load(compileWat('pool-chatty'));
    const banner = await rt.load(compileWat('banner-match'));
    const hog = await rt.load(compileWat('pool-spin-sleep'));
    const delivered = Array.from({ length: 16 }, () => 0);
    const talks = Array.from({ length: 16 }, (_, i) => rt.invoke(chatty, { target: target(server.port) }, () => delivered[i]!++));
    const checks = Array.from({ length: 16 }, (_, i) => rt.invoke(banner, sshBanner(i)));
    // Three of them: 2.7 s of computing between two looks at the sockets, were it not for turns.
    const hogs = Array.from({ length: 3 }, () => rt.invoke(hog, { target: target(1) }).catch(() => undefined));
    for (const r of await Promise.all(talks)) {
      expect(r.status, r.error).toBe('success');
      expect(r.data).toBe(5); // five replies, each waited for beside the hogs
    }
    expect(delivered).toEqual(Array.from({ length: 16 }, () => 1));
    for (const r of await Promise.all(checks)) expect(r.service).toEqual({ name: 'ssh' });
    expect(down.filter((d) => d.limit === 'cpu_ms')).toEqual([]); // it never computed 1 s of CPU at once
    await rt.close(); // the hogs' own fate does not matter here
    await Promise.all(hogs);
  });
});

describe.skipIf(process.platform !== 'linux')('the CPU watchdog on a loaded machine', () => {
  let rt: PluginRuntime;
  const busy: ChildProcess[] = [];
  let mask: string | undefined;

  beforeAll(() => {
    rt = testRuntime({ workers: 1, limits: { cpu_ms: 300 } });
  });
  afterAll(async () => {
    for (const c of busy) if (c.exitCode === null) c.kill('SIGKILL');
    if (mask) execFileSync('taskset', ['-a', '-p', mask, String(process.pid)]);
    await rt.close();
  });

  it('does not stop a stretch that was long in wall time only because its thread was not running', async () => {
    const burn = await rt.load(compileWat('pool-burn'));
    // The plugin's work is (port << 16) iterations: find how long one unit takes here, unloaded.
    let units = 8;
    let ms = 0;
    for (let i = 0; i < 14 && ms < 25; i++) {
      units *= 2;
      const r = await rt.invoke(burn, { target: target(units) });
      expect(r.status).toBe('success');
      ms = r.sandbox.duration_ms;
    }
    // The fastest of a few runs (other load only slows one down): at most ~150 ms of CPU, half of cpu_ms.
    for (let i = 0; i < 5; i++) ms = Math.min(ms, (await rt.invoke(burn, { target: target(units) })).sandbox.duration_ms);
    const work = Math.max(1, Math.min(65535, Math.round((units * 150) / ms)));

    // Pin this process (the plugin worker included) to one CPU, with five
    // busy processes on it: the worker gets about a sixth of that CPU.
    mask = /:\s*([0-9a-f]+)\s*$/i.exec(execFileSync('taskset', ['-p', String(process.pid)]).toString())![1]!;
    const cpu = /:\s*(\d+)/.exec(execFileSync('taskset', ['-c', '-p', String(process.pid)]).toString())![1]!;
    execFileSync('taskset', ['-a', '-p', '-c', cpu, String(process.pid)]);
    const started: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      // Bounded: each gives up after 180 s even if this test dies first (long enough to outlast a slow run on a loaded machine: the premise needs them running).
      const c = spawn(process.execPath, ['-e', "process.stdout.write('busy\\n'); const end = Date.now() + 180000; while (Date.now() < end);"], { stdio: ['ignore', 'pipe', 'inherit'] });
      busy.push(c);
      started.push(new Promise((resolve) => c.stdout!.once('data', () => resolve())));
    }
    await Promise.all(started);

    // On a machine already loaded while calibrating, `ms` came out long and
    // `work` small: double it until the stretch outlasts cpu_ms in wall time.
    // With the worker's share of the CPU at most about a sixth, a stretch of
    // 300 ms wall is about 50 ms of CPU, so the doubling stays far below it.
    let r: InvocationResult;
    let w = work;
    for (let i = 0; ; i++, w = Math.min(65535, w * 2)) {
      r = await rt.invoke(burn, { target: target(w) });
      expect(r.status, r.error).toBe('success');
      expect(rt.workerKills).toBe(0);
      if (r.sandbox.duration_ms > 300 || i === 4 || w === 65535) break;
    }
    // The premise: its one stretch took longer than cpu_ms in wall time.
    expect(r.sandbox.duration_ms).toBeGreaterThan(300);
  });
});

describe('the plugin memory budget', () => {
  let rt: PluginRuntime;
  let server: TestServer;
  let holding = 0;
  let mostHeld = 0;

  beforeAll(async () => {
    rt = testRuntime({ workers: 2, memoryBudgetMb: 16 }); // 8 MiB per worker
    // Counts the instances holding their grown memory: from their "HOLD"
    // until the reply that lets them end.
    server = await tcpServer((s) => {
      s.on('data', () => {
        mostHeld = Math.max(mostHeld, ++holding);
        setTimeout(() => {
          holding--;
          if (s.writable) s.write('GO\n');
        }, 100);
      });
    });
  });
  afterAll(async () => {
    await rt.close();
    await server.close();
  });

  it('keeps instances that grow to their cap within the budget: they wait for memory and all succeed', async () => {
    const grow = await rt.load(compileWat('pool-grow-hold')); // memory_mb 4
    const results = await Promise.all(Array.from({ length: 12 }, () => rt.invoke(grow, { target: target(server.port) })));
    for (const r of results) {
      expect(r.status, r.error).toBe('success');
      expect(r.data).toBe(64); // 4 MiB in 64 KiB pages: each really grew to its cap
    }
    expect(mostHeld).toBeLessThanOrEqual(4); // 16 MiB / 4 MiB
    const mem = rt.pluginMemory;
    expect(mem.budgetBytes).toBe(16 << 20);
    expect(mem.workerBudgetBytes).toBe(8 << 20);
    expect(mem.peakBytes).toBeGreaterThanOrEqual(4 << 20);
    expect(mem.peakBytes).toBeLessThanOrEqual(16 << 20);
  });

  it('fails alone, at once, an instance whose cap is more than a worker may hold', async () => {
    const bomb = await rt.load(compileWat('memory-bomb')); // memory_mb 64 by default
    const grow = await rt.load(compileWat('pool-grow-hold'));
    const [r, ok] = await Promise.all([rt.invoke(bomb, { target: target(1) }), rt.invoke(grow, { target: target(server.port) })]);
    expect(r.status).toBe('application-error');
    expect(r.sandbox.limit).toBe('memory_total');
    expect(r.error).toMatch(/^plugin memory budget of 8 MiB exhausted/);
    expect(ok.status).toBe('success');
    expect(rt.pluginMemory.peakBytes).toBeLessThanOrEqual(16 << 20);
  });

  it('refuses a budget that is not a positive number of MiB', () => {
    expect(() => testRuntime({ memoryBudgetMb: 0 })).toThrow(/memoryBudgetMb must be a positive integer of MiB/);
    expect(() => testRuntime({ workerMemoryBudgetMb: 1.5 })).toThrow(/workerMemoryBudgetMb must be a positive integer/);
  });
});
