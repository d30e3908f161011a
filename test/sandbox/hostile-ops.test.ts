import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { cannedPlugin } from './helpers/canned.js';
import { compileWat } from './helpers/wat.js';
import { tcpServer, testRuntime, type TestServer } from './helpers/fixtures.js';
import { DEFAULT_LIMITS, type PluginRuntime } from '../../src/sandbox/index.js';
import { MIN_CHARGE } from '../../src/sandbox/limits.js';

/**
 * Hostile plugins that repeat empty operations, flood emits, hide the host's
 * errors from it, or suspend with too much state (issue #10, items 3, 9, 11):
 * every such path ends at a limit the invocation reports, and costs the host
 * bounded memory.
 */
const manifest = (name: string, extra: Record<string, unknown> = {}) => ({ abi: 1, name, version: '1.0.0', kind: 'scanner', capabilities: ['network'], ...extra });
const target = (port: number, transport: 'tcp' | 'udp' = 'tcp') => ({ target: { ip: '127.0.0.1', port, transport } });

describe('operations are counted, not only bytes', () => {
  let rt: PluginRuntime;
  let udp: Socket;
  let udpPort: number;
  let datagrams = 0;
  let tcp: TestServer;

  beforeAll(async () => {
    rt = testRuntime({ workers: 1 });
    udp = createSocket('udp4');
    udp.on('message', () => datagrams++);
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    udpPort = udp.address().port;
    tcp = await tcpServer(() => {});
  });
  afterAll(async () => {
    await rt.close();
    udp.close();
    await tcp.close();
  });

  it('stops empty datagrams at send_bytes: each costs at least MIN_CHARGE bytes', async () => {
    const small = testRuntime({ workers: 1, limits: { send_bytes: 16 } });
    try {
      const p = cannedPlugin({ manifest: manifest('zero-udp'), floods: [{ op: 'udp', times: 1_000_000, port: udpPort }] });
      const r = await small.invoke(await small.load(p), target(udpPort, 'udp'));
      expect(r.status).toBe('success');
      expect(r.data).toEqual([0, -7]); // opening the socket spent the 16 bytes
    } finally {
      await small.close();
    }
    const p = cannedPlugin({ manifest: manifest('zero-udp'), floods: [{ op: 'udp', times: 1_000_000, port: udpPort }] });
    const r = await rt.invoke(await rt.load(p), target(udpPort, 'udp'));
    const [count, rc] = r.data as number[];
    expect(rc).toBe(-7);
    expect(count).toBeLessThan(DEFAULT_LIMITS.send_bytes / MIN_CHARGE);
    expect(r.sandbox.sends).toBe(count);
    expect(r.sandbox.bytes_sent).toBe(0);
  });

  it('stops a connect-and-close loop: opening a connection is charged too', async () => {
    const small = testRuntime({ workers: 1, limits: { send_bytes: 50 * MIN_CHARGE } });
    try {
      const p = cannedPlugin({ manifest: manifest('connect-loop'), floods: [{ op: 'tcp', times: 5000, port: tcp.port }] });
      const r = await small.invoke(await small.load(p), target(tcp.port));
      expect(r.data).toEqual([50, -7]);
      expect(r.sandbox.connects).toBe(50);
    } finally {
      await small.close();
    }
  });

  it('keeps at most log_bytes / MIN_CHARGE empty log lines and counts the rest', async () => {
    const p = cannedPlugin({ manifest: manifest('zero-log', { capabilities: [] }), floods: [{ op: 'log', times: 200_000 }] });
    const r = await rt.invoke(await rt.load(p), target(1));
    expect(r.status).toBe('success');
    const kept = DEFAULT_LIMITS.log_bytes / MIN_CHARGE;
    expect(r.logs).toHaveLength(kept);
    expect(r.sandbox.log_lines).toBe(kept);
    expect(r.sandbox.logs_dropped).toBe(200_000 - kept);
  });

  it('ends an emit flood at the emits limit; every emit before it is delivered once', async () => {
    const p = cannedPlugin({ manifest: manifest('emit-flood', { capabilities: [] }), floods: [{ op: 'emit', times: 100_000 }] });
    let delivered = 0;
    const r = await rt.invoke(await rt.load(p), target(1), () => delivered++);
    expect(r.status).toBe('application-error');
    expect(r.sandbox.limit).toBe('emits');
    expect(r.sandbox.emits).toBe(DEFAULT_LIMITS.emits);
    expect(delivered).toBe(DEFAULT_LIMITS.emits);
  });

  it('refuses an emitted map whose status is not one of ABI §7 (it is never delivered)', async () => {
    const p = cannedPlugin({ manifest: manifest('forge-status', { capabilities: [] }), emits: [{ status: 'open' }, { service: { name: 7 } }, { data: { ok: 1 } }] });
    const delivered: unknown[] = [];
    const r = await rt.invoke(await rt.load(p), target(1), (e) => delivered.push(e));
    expect(delivered).toEqual([{ data: { ok: 1 } }]);
    expect(r.logs.map((l) => l.message)).toEqual(['emit refused: invalid status "open"', 'emit refused: service.name must be a string of 1-64 characters']);
  });
});

describe('a guest cannot hide the host error that ended it', () => {
  it('ends the invocation at the limit even when catch_all caught the error', async () => {
    const rt = testRuntime({ workers: 1, limits: { output_bytes: 1000 } });
    try {
      const p = cannedPlugin({ manifest: manifest('catch-all', { capabilities: [] }), floods: [{ op: 'emit', times: 100 }], catchAll: true, output: { data: 'fine' } });
      const r = await rt.invoke(await rt.load(p), target(1));
      expect(r.status).toBe('application-error');
      expect(r.sandbox.limit).toBe('output_bytes');
    } finally {
      await rt.close();
    }
  });
});

describe('scope and suspension, made exact', () => {
  let rt: PluginRuntime;
  beforeAll(() => {
    rt = testRuntime({ workers: 1 });
  });
  afterAll(() => rt.close());

  it('treats a link-local address on another interface (zone id) as another host', async () => {
    // the zone names no interface: nothing can leave even if the check were wrong
    const p = await rt.load(compileWat('connect-to'));
    const r = await rt.invoke(p, { target: { ip: 'fe80::1', port: 80, transport: 'tcp' }, config: { host: 'fe80::1%wasmapnone0' } });
    expect(r.data).toBe(-2);
    expect(r.sandbox.denied).toBe(1);
  });

  it('says why a call was denied: the missing capability, or what is in scope', async () => {
    const noCap = cannedPlugin({ manifest: manifest('no-cap', { capabilities: [] }), connects: [{ host: '127.0.0.1', port: 9 }] });
    const r1 = await rt.invoke(await rt.load(noCap), target(9));
    expect(r1.sandbox.denials).toEqual(['tcp_connect needs capability "network" (add it to plugin.toml capabilities)']);
    const elsewhere = cannedPlugin({ manifest: manifest('elsewhere'), connects: [{ host: '127.0.0.9', port: 9 }, { host: 'localhost', port: 9 }] });
    const r2 = await rt.invoke(await rt.load(elsewhere), target(9));
    expect(r2.data).toEqual([-2, -2]);
    expect(r2.sandbox.denials).toEqual([
      'tcp_connect to 127.0.0.9 (127.0.0.9) port 9: only the target 127.0.0.1 is in scope',
      'tcp_connect to localhost: looking up a name needs capability "dns" (or connect to the target\'s address)',
    ]);
  });

  it('fails a plugin that suspends with more saved state than the 32 KiB area', async () => {
    const r = await rt.invoke(await rt.load(compileWat('async-deep')), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.status).toBe('application-error');
    expect(r.error).toMatch(/more than 32 KiB of saved call state/);
  });
});
