import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWat } from './helpers/wat.js';
import { silentServer, tcpServer, testRuntime, type TestServer } from './helpers/fixtures.js';
import type { InvocationResult, LoadedPlugin, PluginRuntime } from '../../src/sandbox/index.js';

/**
 * The hostile corpus (test/sandbox/wat): each misbehaviour ends as a result
 * that says what happened, and the well-behaved plugins running at the same
 * time in the same runtime come through intact.
 */
describe('hostile plugins', () => {
  let rt: PluginRuntime;
  let slowEcho: TestServer;
  let silent: TestServer;
  let echo: LoadedPlugin;
  let banner: LoadedPlugin;
  const load = (name: string): Promise<LoadedPlugin> => rt.load(compileWat(name));

  beforeAll(async () => {
    rt = testRuntime({ limits: { cpu_ms: 300, wall_ms: 5000 } });
    // Answers each line after a delay, so well-behaved sessions are in flight
    // (suspended in recv, on both workers) while the hostile one runs.
    slowEcho = await tcpServer((s) => {
      s.on('data', (d) => setTimeout(() => s.writable && s.write(`ECHO ${d.toString().trim()}\n`), 600));
    });
    silent = await silentServer();
    echo = await load('echo-line');
    banner = await load('banner-match');
  });
  afterAll(async () => {
    await rt.close();
    await slowEcho.close();
    await silent.close();
  });

  /** Runs `hostile` alongside 16 echo sessions and 16 banner checks; checks the good ones. */
  async function alongsideGoodOnes(hostile: Promise<InvocationResult>): Promise<InvocationResult> {
    const emits: unknown[] = [];
    const good = Array.from({ length: 16 }, () =>
      rt.invoke(echo, { target: { ip: '127.0.0.1', port: slowEcho.port, transport: 'tcp' } }, (e) => emits.push(e)),
    );
    const banners = Array.from({ length: 16 }, (_, i) =>
      rt.invoke(banner, { target: { ip: '127.0.0.1', port: 22, transport: 'tcp' }, context: { banner: Buffer.from(`SSH-2.0-OpenSSH_${i}\r\n`) } }),
    );
    // No wait here: the hostile invocation was started first, so the good ones
    // are already queued or in flight on its worker when it is stopped.
    const bad = await hostile;
    for (const r of await Promise.all(good)) {
      expect(r.status).toBe('success');
      expect(Buffer.from(r.provides.reply as Uint8Array).toString()).toBe('ECHO HELLO\n');
      expect(r.emitted).toEqual([{ stage: 'sent' }]);
    }
    expect(emits).toHaveLength(16); // none lost, none delivered twice
    for (const r of await Promise.all(banners)) expect(r.service).toEqual({ name: 'ssh' });
    return bad;
  }

  it('stops an infinite loop at the CPU limit and re-runs the innocent work of its worker', async () => {
    const loop = await load('loop');
    const kills = rt.workerKills;
    const reruns = rt.reruns;
    const r = await alongsideGoodOnes(rt.invoke(loop, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } }));
    expect(r.status).toBe('application-error');
    expect(r.sandbox.limit).toBe('cpu_ms');
    expect(r.error).toMatch(/CPU time limit/);
    expect(rt.workerKills).toBe(kills + 1);
    expect(rt.reruns).toBeGreaterThan(reruns); // innocent sessions were in flight there, and re-ran
  });

  it('stops a start function that never returns, while instantiating', async () => {
    const r = await rt.invoke(await load('start-loop'), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.status).toBe('application-error');
    expect(r.sandbox.limit).toBe('cpu_ms');
  });

  it('caps a memory-growth bomb at memory_mb: memory.grow returns -1', async () => {
    const bomb = await load('memory-bomb');
    const r = await alongsideGoodOnes(rt.invoke(bomb, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } }));
    expect(r.status).toBe('success');
    expect(r.data).toBe(64 * 16); // 64 MiB in 64 KiB pages, and not one more
  });

  it('turns unbounded recursion into a trap of that invocation alone', async () => {
    const rec = await load('recursion');
    const r = await alongsideGoodOnes(rt.invoke(rec, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } }));
    expect(r.status).toBe('application-error');
    expect(r.error).toMatch(/stack/i);
  });

  it('reports unreachable as a trap of that invocation alone', async () => {
    const trap = await load('trap');
    const r = await alongsideGoodOnes(rt.invoke(trap, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } }));
    expect(r.status).toBe('application-error');
    expect(r.error).toMatch(/trap: unreachable/);
  });

  it('fails an invocation whose output is larger than output_bytes', async () => {
    const r = await rt.invoke(await load('huge-output'), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.status).toBe('application-error');
    expect(r.sandbox.limit).toBe('output_bytes');
    expect(r.data).toBeUndefined();
  });

  it('ends an emit flood at output_bytes and keeps the emits that fit', async () => {
    let delivered = 0;
    const many = testRuntime({ workers: 1, limits: { emits: 1 << 20 } }); // the count limit is hostile-ops' case
    try {
      const r = await many.invoke(await many.load(compileWat('emit-flood')), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } }, () => delivered++);
      expect(r.status).toBe('application-error');
      expect(r.sandbox.limit).toBe('output_bytes');
      expect(r.emitted).toHaveLength(Math.floor((1 << 20) / 100));
      expect(delivered).toBe(r.emitted.length);
    } finally {
      await many.close();
    }
  });

  it('refuses malformed msgpack output and a malformed emit', async () => {
    const r = await rt.invoke(await load('bad-msgpack'), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.status).toBe('application-error');
    expect(r.error).toMatch(/malformed output/);
    expect(r.emitted).toEqual([]);
    expect(r.logs.some((l) => /emit refused/.test(l.message))).toBe(true);
  });

  it('refuses an output pointer outside memory', async () => {
    const r = await rt.invoke(await load('output-outside'), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.status).toBe('application-error');
    expect(r.error).toMatch(/outside memory/);
  });

  it('returns -7 to the connection past the connections limit', async () => {
    const r = await rt.invoke(await load('conn-flood'), { target: { ip: '127.0.0.1', port: silent.port, transport: 'tcp' } });
    expect(r.data).toEqual([16, -7]);
  });

  it('keeps 64 KiB of a log flood and counts the dropped lines', async () => {
    const r = await rt.invoke(await load('log-flood'), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.status).toBe('success');
    expect(r.produced).toBe(false);
    expect(r.logs).toHaveLength(65); // 65 × 1000 bytes ≤ 65,536
    expect(r.sandbox.logs_dropped).toBe(1000 - 65);
  });

  it('ends a recv that never returns at the wall limit', async () => {
    const quick = testRuntime({ limits: { wall_ms: 400 }, workers: 1 });
    try {
      const r = await quick.invoke(await quick.load(compileWat('silent-recv')), { target: { ip: '127.0.0.1', port: silent.port, transport: 'tcp' } });
      expect(r.status).toBe('application-error');
      expect(r.sandbox.limit).toBe('wall_ms');
      expect(r.error).toMatch(/wall time limit of 400 ms/);
    } finally {
      await quick.close();
    }
  });

  it('ends a sleep past the wall limit and keeps what the plugin emitted before', async () => {
    const quick = testRuntime({ limits: { wall_ms: 300 }, workers: 1 });
    try {
      const r = await quick.invoke(await quick.load(compileWat('sleep-wall')), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
      expect(r.sandbox.limit).toBe('wall_ms');
      expect(r.emitted).toEqual([{ stage: 'sleeping' }]);
      expect(r.produced).toBe(true);
    } finally {
      await quick.close();
    }
  });

  it('ends the invocation at proc_exit with that status', async () => {
    const r = await rt.invoke(await load('proc-exit'), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.status).toBe('application-error');
    expect(r.error).toBe('plugin called proc_exit(3)');
  });

  it('gives WASI filesystem and environment attempts nothing', async () => {
    const r = await rt.invoke(await load('wasi-probe'), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    // path_open EBADF, 0 env vars, 0 args, fd_read EBADF, sock_accept EBADF, poll_oneoff ENOSYS, clock ok
    expect(r.data).toEqual([8, 0, 0, 8, 8, 52, 0]);
    expect(r.logs).toEqual([{ level: 1, message: 'hello from wasi' }]);
  });

  it('runs a well-behaved plugin normally on the worker that replaced a stopped one', async () => {
    const r = await rt.invoke(banner, { target: { ip: '127.0.0.1', port: 22, transport: 'tcp' }, context: { banner: Buffer.from('SSH-2.0-x') } });
    expect(r.service).toEqual({ name: 'ssh' });
  });
});
