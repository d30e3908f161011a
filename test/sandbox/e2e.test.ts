import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWat } from './helpers/wat.js';
import { echoServer, testRuntime, type TestServer } from './helpers/fixtures.js';
import type { PluginRuntime } from '../../src/sandbox/index.js';

describe('a hand-written WAT plugin speaking ABI v1', () => {
  let rt: PluginRuntime;
  let server: TestServer;
  beforeAll(async () => {
    rt = testRuntime();
    server = await echoServer();
  });
  afterAll(async () => {
    await rt.close();
    await server.close();
  });

  it('connects to a loopback server, sends a line, emits one result and returns the reply', async () => {
    const plugin = await rt.load(compileWat('echo-line'));
    expect(plugin.asyncified).toBe(true);
    const seen: Record<string, unknown>[] = [];
    const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: server.port, transport: 'tcp' } }, (e) => seen.push(e));
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('success');
    expect(Buffer.from(r.provides.reply as Uint8Array).toString()).toBe('ECHO HELLO\n');
    expect(r.emitted).toEqual([{ stage: 'sent' }]);
    expect(seen).toEqual([{ stage: 'sent' }]);
    expect(r.logs).toEqual([{ level: 1, message: 'connected' }]);
    expect(r.sandbox).toMatchObject({ denied: 0, bytes_sent: 6, bytes_received: 11 });
    expect(r.produced).toBe(true);
  });
});
