/**
 * wasmap-sdk (sdk/rust) through a real compiled plugin: sdk/rust/test/probe
 * is built from source with Debian's toolchain, offline, for
 * wasm32-unknown-unknown and wasm32-wasi, and run by the real runtime
 * against real loopback services.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin } from '../src/authoring/build.js';
import { PluginRuntime, type InvocationResult, type LoadedPlugin } from '../src/sandbox/index.js';
import { closedPort } from './support/listeners.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const probeDir = join(repo, 'sdk', 'rust', 'test', 'probe');
// One cargo target dir for every test that builds Rust: dependencies compile once.
const env = { ...process.env, CARGO_TARGET_DIR: join(tmpdir(), 'wasmap-test-cargo') };
const out = join(tmpdir(), `wasmap-sdk-probe-${process.pid}`);

interface Svc {
  name: string;
  host: string;
  port: number;
}

let rt: PluginRuntime;
let probe: LoadedPlugin;
let redis: Svc;
let https: Svc;

function run(op: string, port: number, config: Record<string, unknown> = {}, plugin = probe): Promise<InvocationResult> {
  return rt.invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, config: { op, ...config } });
}

beforeAll(async () => {
  [redis, https] = (await startServices(['redis', 'https'])) as Svc[];
  const built = await buildPlugin(probeDir, { env, output: join(out, 'probe.wasm') });
  rt = new PluginRuntime({ workers: 1 });
  probe = await rt.load(built.path);
}, 300_000);

afterAll(async () => {
  await rt?.close();
  await stopServices(['redis', 'https']);
});

describe('the plugin! macro', () => {
  it('writes the ABI v1 exports and imports only what the plugin uses', () => {
    expect(probe.exports).toEqual(expect.arrayContaining(['memory', 'wasmap_abi_v1', 'wasmap_alloc', 'wasmap_run', 'wasmap_init', 'wasmap_free']));
    expect(probe.imports.every((i) => i.startsWith('wasmap.') || i === 'env.abort')).toBe(true);
  });

  it('turns a panic into an application-error whose error is the panic message and location', async () => {
    const r = await run('panic', redis.port);
    expect(r.status).toBe('application-error');
    expect(r.error).toMatch(/^abort: panic: probe panicked on purpose, len 0 at src\/lib\.rs:\d+:\d+$/);
    expect(r.logs).toEqual([{ level: 3, message: r.error }]);
    // the broken instance is discarded; the next invocation runs normally
    expect((await run('log', redis.port)).status).toBe('success');
  });

  it('runs the init hook once per instance with the config, and a refusal fails the invocation', async () => {
    const r = await run('bad-init', redis.port);
    expect(r.status).toBe('application-error');
    expect(r.error).toBe('wasmap_init refused the config (returned 1)');
    expect(r.logs).toContainEqual({ level: 3, message: 'init refused: probe refuses op bad-init' });
  });

  it('turns an error returned from run into its status and message', async () => {
    const r = await run('fail', redis.port, { payload: 'HELO' });
    expect(r.status).toBe('protocol-error');
    expect(r.error).toBe('protocol error: bad greeting "HELO"');
  });
});

describe('host wrappers', () => {
  it('TcpStream sends and receives through the SDK calls', async () => {
    const r = await run('tcp', redis.port, { payload: 'PING\r\n' });
    expect(r.data).toBe('+PONG\r\n');
    expect(r.sandbox.bytes_sent).toBe(6);
  });

  it('TcpStream works as std::io::Read and Write', async () => {
    const r = await run('io', redis.port, { payload: 'ECHO sdk\r\n' });
    expect(r.data).toBe('$3\r\nsdk\r\n');
  });

  it('maps a refused connection to ECONNREFUSED (-4), status connection-refused', async () => {
    const port = await closedPort();
    const r = await run('connect', redis.port, { host: '127.0.0.1', port });
    expect(r.data).toEqual({ code: -4, name: 'ECONNREFUSED', status: 'connection-refused', message: 'connection refused (ECONNREFUSED)' });
  });

  it('maps an address outside the scan scope to EDENIED (-2) and the host counts the denial', async () => {
    // 127.0.0.2 is not the invocation's target: the host refuses before any packet leaves
    const r = await run('connect', redis.port, { host: '127.0.0.2', port: redis.port });
    expect(r.data).toMatchObject({ code: -2, name: 'EDENIED' });
    expect(r.sandbox.denied).toBe(1);
  });

  it('upgrades to TLS and reads the session with tls_info', async () => {
    const r = await run('tls', https.port);
    const leaf = new X509Certificate(readFileSync(join(repo, 'test', 'support', 'certs', 'self-signed', 'cert.pem')));
    expect(r.status).toBe('success');
    expect(r.data).toMatchObject({ version: expect.stringMatching(/^TLSv1\.[23]$/), chain: '1', leaf_bytes: String(leaf.raw.length) });
    expect((r.data as { reply: string }).reply).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('exchanges UDP datagrams', async () => {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, peer) => sock.send(Buffer.concat([Buffer.from('pong:'), msg]), peer.port, peer.address));
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    try {
      const port = sock.address().port;
      const r = await rt.invoke(probe, { target: { ip: '127.0.0.1', port, transport: 'udp' }, config: { op: 'udp', payload: 'hi' } });
      expect(r.data).toBe('pong:hi');
    } finally {
      sock.close();
    }
  });

  it('resolves a name with the dns capability', async () => {
    const r = await run('resolve', redis.port, { host: 'localhost' });
    expect(r.data).toContain('127.0.0.1');
  });

  it('emits results as separate events and returns provides keys', async () => {
    const r = await run('emit', redis.port);
    expect(r.emitted).toEqual([
      { status: 'success', data: 'first', service: { name: 'probe', product: 'Probe', version: '1.0' } },
      { status: 'success', findings: [{ id: 'probe-1', title: 'a finding', severity: 'low', evidence: 'x' }], data: 'second' },
    ]);
    expect(r.data).toBe('returned');
    expect(r.provides).toEqual({ probe_key: [1, 2, 3] });
  });

  it('logs at the four levels with the macros', async () => {
    const r = await run('log', redis.port);
    expect(r.logs).toEqual([
      { level: 0, message: 'debug 0' },
      { level: 1, message: 'info 1' },
      { level: 2, message: 'warn 2' },
      { level: 3, message: 'error 3' },
    ]);
  });

  it('reads the wall clock and sleeps', async () => {
    const t0 = Date.now();
    const r = await run('sleep', redis.port, { port: 20 });
    const t1 = Date.now();
    const [before, after] = r.data as [number, number];
    expect(before).toBeGreaterThanOrEqual(t0);
    expect(after).toBeLessThanOrEqual(t1);
    expect(after).toBeGreaterThanOrEqual(before);
  });
});

describe('the same plugin built for wasm32-wasi', () => {
  let wasi: LoadedPlugin;
  beforeAll(async () => {
    const built = await buildPlugin(probeDir, { env, rustTarget: 'wasm32-wasi', output: join(out, 'probe-wasi.wasm') });
    wasi = await rt.load(built.path);
  }, 300_000);

  it('links WASI and runs the wrappers', async () => {
    expect(wasi.imports.some((i) => i.startsWith('wasi_snapshot_preview1.'))).toBe(true);
    const r = await run('tcp', redis.port, { payload: 'PING\r\n' }, wasi);
    expect(r.data).toBe('+PONG\r\n');
  });

  it('reports a panic the same way', async () => {
    const r = await run('panic', redis.port, {}, wasi);
    expect(r.error).toMatch(/^abort: panic: probe panicked on purpose/);
  });
});

describe('the SDK natively', () => {
  it('passes its own unit tests with cargo test', () => {
    const rust = join(repo, 'sdk', 'rust');
    const cargo = process.env.WASMAP_CARGO ?? '/usr/bin/cargo';
    const args = ['test', '--offline', '--config', 'source.crates-io.replace-with="debian"', '--config', 'source.debian.directory="/usr/share/cargo/registry"'];
    const text = execFileSync(cargo, args, {
      cwd: rust,
      env: { ...env, RUSTC: process.env.WASMAP_RUSTC ?? '/usr/bin/rustc', RUSTDOC: '/usr/bin/rustdoc' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(text).toMatch(/test result: ok\. [1-9]\d* passed; 0 failed/);
  }, 300_000);
});
