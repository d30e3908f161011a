import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, PluginRuntime, resolveLimits } from '../../src/sandbox/index.js';
import { silentServer, testRuntime } from './helpers/fixtures.js';
import { compileWat } from './helpers/wat.js';

describe('limits', () => {
  it('has the ABI §10 defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      memory_mb: 64, cpu_ms: 1000, wall_ms: 10000, connections: 16,
      send_bytes: 1048576, recv_bytes: 4194304, output_bytes: 1048576, log_bytes: 65536, emits: 256,
    });
  });

  it('lets the user raise or lower a limit and the manifest only lower it', () => {
    expect(resolveLimits({ wall_ms: 60000, connections: 4 }, { wall_ms: 120000, cpu_ms: 10 })).toMatchObject({ wall_ms: 60000, connections: 4, cpu_ms: 10 });
  });

  it('refuses a bad override with a UsageError naming it', () => {
    expect(() => new PluginRuntime({ limits: { cpu_ms: 0 } })).toThrow(/limit "cpu_ms" must be a positive integer/);
    expect(() => new PluginRuntime({ limits: { bogus: 1 } as never })).toThrow(/unknown limit "bogus"/);
  });

  const runtimes: PluginRuntime[] = [];
  afterAll(() => Promise.all(runtimes.map((r) => r.close())));
  const rtWith = (limits: ConstructorParameters<typeof PluginRuntime>[0]) => {
    const r = testRuntime({ workers: 1, ...limits });
    runtimes.push(r);
    return r;
  };

  it('applies a lowered connections limit', async () => {
    const srv = await silentServer();
    try {
      const rt = rtWith({ limits: { connections: 3 } });
      const r = await rt.invoke(await rt.load(compileWat('conn-flood')), { target: { ip: '127.0.0.1', port: srv.port, transport: 'tcp' } });
      expect(r.data).toEqual([3, -7]);
      expect(r.status).toBe('success');
    } finally {
      await srv.close();
    }
  });

  it('applies a lowered output_bytes limit to the return value', async () => {
    const rt = rtWith({ limits: { output_bytes: 20 } });
    const r = await rt.invoke(await rt.load(compileWat('banner-match')), { target: { ip: '127.0.0.1', port: 22, transport: 'tcp' }, context: { banner: Buffer.from('SSH-2.0') } });
    expect(r.sandbox.limit).toBe('output_bytes');
    expect(r.service).toBeUndefined();
  });

  it('applies a lowered log_bytes limit', async () => {
    const rt = rtWith({ limits: { log_bytes: 5000 } });
    const r = await rt.invoke(await rt.load(compileWat('log-flood')), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.logs).toHaveLength(5);
    expect(r.sandbox.logs_dropped).toBe(995);
  });

  it('applies a manifest cpu_ms lower than the runtime one', async () => {
    const rt = rtWith({ limits: { cpu_ms: 5000 } });
    const loop = await rt.load(compileWat('loop', { abi: 1, name: 'loop', version: '1.0.0', kind: 'detection', limits: { cpu_ms: 50 } }));
    expect(loop.limits.cpu_ms).toBe(50);
    const r = await rt.invoke(loop, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.sandbox.limit).toBe('cpu_ms');
    expect(r.error).toMatch(/ran 50 ms without waiting/);
  });

  it('applies memory_mb from the runtime at load', async () => {
    const rt = rtWith({ limits: { memory_mb: 4 } });
    const r = await rt.invoke(await rt.load(compileWat('memory-bomb')), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.data).toBe(64);
  });
});
