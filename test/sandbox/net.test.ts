import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginRuntime } from '../../src/sandbox/index.js';
import { MIN_CHARGE } from '../../src/sandbox/limits.js';
import { silentServer, tcpServer, tempDir, testRuntime, type TestServer } from './helpers/fixtures.js';
import { compileWat } from './helpers/wat.js';

const connectTo = (capabilities: string[]) =>
  compileWat('connect-to', {
    abi: 1, name: 'connect-to', version: '1.0.0', kind: 'scanner', capabilities,
    config: { host: { type: 'string', required: true } },
  });

describe('network host functions and scope', () => {
  let rt: PluginRuntime;
  let on1: TestServer;
  let on2: TestServer;
  const seen: string[] = [];

  beforeAll(async () => {
    rt = testRuntime({ allowNet: [] });
    on1 = await tcpServer((s) => seen.push(`127.0.0.1 ${s.remoteAddress}`), '127.0.0.1');
    on2 = await tcpServer((s) => seen.push(`127.0.0.2 ${s.remoteAddress}`), '127.0.0.2');
  });
  afterAll(async () => {
    await rt.close();
    await on1.close();
    await on2.close();
  });

  const target = (ip: string, port: number) => ({ ip, port, transport: 'tcp' as const });

  it('connects to the target itself, by IP and by its own hostname', async () => {
    const p = await rt.load(connectTo(['network']));
    const byIp = await rt.invoke(p, { target: target('127.0.0.1', on1.port), config: { host: '127.0.0.1' } });
    expect(byIp.data).toBe(1);
    const byName = await rt.invoke(p, { target: { ...target('127.0.0.1', on1.port), hostname: 'localhost' }, config: { host: 'LocalHost' } });
    expect(byName.data).toBe(1);
    expect(byName.sandbox.denied).toBe(0);
  });

  it('resolves another name only for a plugin holding dns; without it, denies before any lookup', async () => {
    const withoutDns = await rt.invoke(await rt.load(connectTo(['network'])), { target: target('127.0.0.1', on1.port), config: { host: 'localhost' } });
    expect(withoutDns.data).toBe(-2);
    expect(withoutDns.sandbox.denied).toBe(1);
    const withDns = await rt.invoke(await rt.load(connectTo(['network', 'dns'])), { target: target('127.0.0.1', on1.port), config: { host: 'localhost' } });
    expect(withDns.data).toBe(1);
  });

  it('denies another loopback address that is not the target, without connecting', async () => {
    const p = await rt.load(connectTo(['network']));
    const before = seen.filter((s) => s.startsWith('127.0.0.2')).length;
    const r = await rt.invoke(p, { target: target('127.0.0.1', on2.port), config: { host: '127.0.0.2' } });
    expect(r.data).toBe(-2);
    expect(r.sandbox.denied).toBe(1);
    expect(seen.filter((s) => s.startsWith('127.0.0.2')).length).toBe(before);
  });

  it('denies a name that resolves outside the scope (localhost when the target is 127.0.0.3)', async () => {
    const p = await rt.load(connectTo(['network']));
    const r = await rt.invoke(p, { target: target('127.0.0.3', on1.port), config: { host: 'localhost' } });
    expect(r.data).toBe(-2);
    expect(r.sandbox.denied).toBe(1);
  });

  it('denies every connection to a plugin without the network capability', async () => {
    const p = await rt.load(connectTo([]));
    const r = await rt.invoke(p, { target: target('127.0.0.1', on1.port), config: { host: '127.0.0.1' } });
    expect(r.data).toBe(-2);
    expect(r.sandbox.denied).toBe(1);
  });

  it('grants network:any only the endpoints given with allowNet', async () => {
    const granted = testRuntime({ allowNet: [`127.0.0.2:${on2.port}`], workers: 1 });
    try {
      const p = await granted.load(connectTo(['network:any']));
      const ok = await granted.invoke(p, { target: target('127.0.0.1', on2.port), config: { host: '127.0.0.2' } });
      expect(ok.data).toBe(1);
      const otherPort = await granted.invoke(p, { target: target('127.0.0.1', on1.port), config: { host: '127.0.0.2' } });
      expect(otherPort.data).toBe(-2);
      const narrow = await granted.load(connectTo(['network']));
      const r = await granted.invoke(narrow, { target: target('127.0.0.1', on2.port), config: { host: '127.0.0.2' } });
      expect(r.data).toBe(-2);
    } finally {
      await granted.close();
    }
  });

  it('returns -4 when the port is closed', async () => {
    const closed = await silentServer();
    const port = closed.port;
    await closed.close();
    const p = await rt.load(connectTo(['network']));
    const r = await rt.invoke(p, { target: target('127.0.0.1', port), config: { host: '127.0.0.1' } });
    expect(r.data).toBe(-4);
  });

  it('stops send at send_bytes and recv at recv_bytes with -7', async () => {
    let got = 0;
    const srv = await tcpServer((s) => {
      s.on('data', (d) => (got += d.length));
      s.write(Buffer.alloc(1 << 20, 0x61));
    });
    const limited = testRuntime({ limits: { send_bytes: 100_000, recv_bytes: 200_000 }, workers: 1 });
    try {
      const r = await limited.invoke(await limited.load(compileWat('bulk')), { target: target('127.0.0.1', srv.port) });
      expect(r.data).toEqual([-7, -7]);
      expect(r.sandbox.bytes_sent).toBe(100_000 - MIN_CHARGE); // opening the connection costs MIN_CHARGE
      expect(r.sandbox.bytes_received).toBe(200_000);
      // the bytes are sent; wait (bounded) until the server has read them all, then check none more came
      for (const end = Date.now() + 10_000; got < 100_000 - MIN_CHARGE && Date.now() < end; ) await new Promise((res) => setTimeout(res, 10));
      expect(got).toBe(100_000 - MIN_CHARGE);
    } finally {
      await limited.close();
      await srv.close();
    }
  });

  it('sends and receives datagrams over udp_open', async () => {
    const sock = createSocket('udp4');
    sock.on('message', (m, from) => sock.send(Buffer.concat([Buffer.from('PONG '), m]), from.port, from.address));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    try {
      const r = await rt.invoke(await rt.load(compileWat('udp-echo')), { target: { ip: '127.0.0.1', port: sock.address().port, transport: 'udp' } });
      expect(r.error).toBeUndefined();
      expect(Buffer.from(r.data as Uint8Array).toString()).toBe('PONG PING');
      expect(r.sandbox).toMatchObject({ bytes_sent: 4, bytes_received: 9 });
    } finally {
      sock.close();
    }
  });

  it('resolves names for a plugin with dns and denies it without', async () => {
    const withDns = await rt.invoke(await rt.load(compileWat('resolve')), {});
    expect(withDns.data).toEqual(expect.arrayContaining([expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]));
    const without = await rt.load(compileWat('resolve', { abi: 1, name: 'resolve', version: '1.0.0', kind: 'evaluator' }));
    const r = await rt.invoke(without, {});
    expect(r.data).toBe(-2);
    expect(r.sandbox.denied).toBe(1);
  });
});

describe('tls_upgrade and tls_info', () => {
  let rt: PluginRuntime;
  let server: TlsServer;
  let port = 0;
  let servername: string | false = false;
  let leaf: Buffer;
  let ca: Buffer;

  beforeAll(async () => {
    const dir = tempDir('tls');
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=wasmap test CA');
    ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=wasmap.test');
    ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2');
    leaf = Buffer.from(new X509Certificate(readFileSync(join(dir, 'leaf.pem'))).raw);
    ca = Buffer.from(new X509Certificate(readFileSync(join(dir, 'ca.pem'))).raw);
    server = createTlsServer(
      {
        key: readFileSync(join(dir, 'leaf.key')),
        cert: Buffer.concat([readFileSync(join(dir, 'leaf.pem')), readFileSync(join(dir, 'ca.pem'))]),
        // Seen while reading the ClientHello, before the client can finish.
        SNICallback: (name, cb) => {
          servername = name;
          cb(null, undefined);
        },
      },
      (s) => s.on('error', () => {}),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    rt = testRuntime({ workers: 1 });
  });
  afterAll(async () => {
    await rt.close();
    await new Promise((r) => server.close(r));
  });

  it('upgrades with the plugin SNI and reports version, cipher and the DER chain, leaf first', async () => {
    const r = await rt.invoke(await rt.load(compileWat('tls-info')), { target: { ip: '127.0.0.1', port, transport: 'tcp' } });
    expect(r.error).toBeUndefined();
    const info = r.data as { version: string; cipher: string; alpn: unknown; chain: Uint8Array[] };
    expect(info.version).toMatch(/^TLSv1\.[23]$/);
    expect(typeof info.cipher).toBe('string');
    expect(info.alpn).toBeNull();
    expect(info.chain.map((c) => Buffer.from(c))).toEqual([leaf, ca]);
    expect(servername).toBe('wasmap.test');
  });

  it('returns -9 when the peer does not speak TLS', async () => {
    const plain = await tcpServer((s) => s.end('220 not tls\r\n'));
    try {
      const r = await rt.invoke(await rt.load(compileWat('tls-info')), { target: { ip: '127.0.0.1', port: plain.port, transport: 'tcp' } });
      expect(r.data).toBe(-9);
    } finally {
      await plain.close();
    }
  });
});
