import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packManifest } from '../src/authoring/pack.js';
import { readPluginToml } from '../src/authoring/plugin-toml.js';
import { scaffoldPlugin } from '../src/authoring/scaffold.js';
import type { LoadedPlugin, PluginRuntime } from '../src/sandbox/index.js';
import { checkMsgpack } from '../src/sandbox/msgpack.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../sdk/assemblyscript/scripts/build.mjs';
import { tempDir, testRuntime } from './sandbox/helpers/fixtures.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const sdk = join(repo, 'sdk', 'assemblyscript');
const packr = new Packr({ useRecords: false, variableMapSize: true });

async function build(dir: string): Promise<Uint8Array> {
  const r = (await buildPlugin(dir, { readPluginToml, packManifest, outFile: join(tempDir('as-sdk'), 'p.wasm') })) as { wasm: Uint8Array };
  return r.wasm;
}

// Values, smallest encodings and hostile documents are checked in-process in
// sdk/assemblyscript/test/msgpack.test.ts; here the codec runs inside the sandbox.
describe('the AssemblyScript SDK msgpack codec', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(await build(join(sdk, 'test', 'codec')));
  });
  afterAll(() => rt.close());

  it('is linked without any waiting import, so the host does not asyncify it', () => {
    expect(plugin.asyncified).toBe(false);
    expect(plugin.exports).toEqual(expect.arrayContaining(['memory', 'wasmap_abi_v1', 'wasmap_alloc', 'wasmap_run', 'wasmap_init', 'wasmap_free']));
  });

  it('builds output maps the runtime reads as service, findings, data and provides', async () => {
    const r = await rt.invoke(plugin, { context: { mode: 'builder' } });
    expect(r.status).toBe('success');
    expect(r.service).toEqual({ name: 'ssh', product: 'OpenSSH', version: '9.2p1', cpe: ['cpe:/a:openbsd:openssh:9.2p1'], confidence: 0.95 });
    expect(r.findings).toEqual([{ id: 'test-finding', title: 'A finding', severity: 'high', evidence: 'evidence', cve: ['CVE-2024-6387'] }]);
    expect(r.data).toEqual({
      s: 'ü ✓',
      neg: -5,
      big: 2 ** 64, // the host reads uint64 as a JS number
      list: [1, 'two', null, true, 0.25, new Uint8Array(2)],
      nested: { names: ['a', 'b'] },
    });
  });

  it('reclaims each invocation\'s memory on a reused instance (incremental GC)', async () => {
    // 300 invocations × ~256 KiB of input and decoded copies: ~150 MiB in all,
    // far past the 64 MiB memory limit if nothing were ever freed
    const values = Array.from({ length: 64 }, () => new Uint8Array(4096).fill(1));
    let pages = 0;
    for (let i = 0; i < 300; i++) {
      const r = await rt.invoke(plugin, { context: { mode: 'pages', values } });
      expect(r.error).toBeUndefined();
      pages = Math.max(pages, (r.data as { pages: number }).pages);
    }
    expect(pages).toBeLessThan(64); // 4 MiB
  });

  it('accepts and refuses exactly the random documents the host decoder does', async () => {
    // deterministic mutations of valid documents: flipped, cut and inserted bytes
    let seed = 0x2545f491;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const bases = [
      { a: 1, b: [1, 2, { c: 'd' }], e: new Uint8Array([1, 2, 3]), f: 1.5, g: null, h: true, i: -100000 },
      [1, 'two', [3, [4, [5]]], { x: { y: { z: 'w'.repeat(40) } } }],
      { banner: new Uint8Array(Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n')), target: { ip: '127.0.0.1', port: 22 } },
    ].map((v) => new Uint8Array(packr.pack(v)));
    const docs: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) {
      const d = [...bases[i % bases.length]!];
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(d.length + 1);
        const op = rand(3);
        if (op === 0 && at < d.length) d[at] = rand(256);
        else if (op === 1) d.splice(at, d.length);
        else d.splice(at, 0, rand(256));
      }
      docs.push(new Uint8Array(d));
    }
    const bounds = { maxBytes: 1 << 20, maxDepth: 32, maxItems: 1 << 20 };
    const hostVerdicts = docs.map((d) => {
      try {
        checkMsgpack(d, bounds);
        return 'ok';
      } catch {
        return 'refused';
      }
    });
    const r = await rt.invoke(plugin, { context: { mode: 'decode', docs } });
    expect(r.error).toBeUndefined();
    const guest = (r.data as string[]).map((s) => (s === 'ok' ? 'ok' : 'refused'));
    expect(guest).toEqual(hostVerdicts);
    expect(hostVerdicts.filter((v) => v === 'ok').length).toBeGreaterThan(20);
    expect(hostVerdicts.filter((v) => v === 'refused').length).toBeGreaterThan(100);
  });
});

interface Running { name: string; host: string; port: number; extra?: Record<string, unknown> }

describe('the AssemblyScript SDK host bindings, against real loopback services', () => {
  const NAMES = ['ssh', 'redis', 'https'];
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  const svc = new Map<string, Running>();
  beforeAll(async () => {
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(await build(join(sdk, 'test', 'io')));
    for (const s of (await startServices(NAMES)) as Running[]) svc.set(s.name, s);
  });
  afterAll(async () => {
    await rt?.close();
    await stopServices(NAMES);
  });
  const at = (port: number, mode: string) => rt.invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, config: { mode } });

  it('imports only the host calls it uses and is asyncified for the waiting ones', () => {
    expect(plugin.asyncified).toBe(true);
    expect(plugin.imports.filter((i) => i.startsWith('wasmap.')).sort()).toEqual(
      ['wasmap.close', 'wasmap.emit', 'wasmap.log', 'wasmap.now_ms', 'wasmap.recv', 'wasmap.resolve', 'wasmap.send', 'wasmap.sleep_ms', 'wasmap.tcp_connect', 'wasmap.tls_info', 'wasmap.tls_upgrade', 'wasmap.udp_open'],
    );
  });

  it('reads the SSH identification line with Socket.readLine', async () => {
    const ssh = svc.get('ssh')!;
    const r = await at(ssh.port, 'banner');
    expect(r.status).toBe('success');
    expect(r.data).toEqual({ line: ssh.extra!.banner, close_again: 0 });
  });

  it('turns a refused connection into ECONNREFUSED and the connection-refused status', async () => {
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((res) => srv.close(() => res()));
    const r = await at(port, 'banner');
    expect(r).toMatchObject({ status: 'connection-refused', error: 'ECONNREFUSED', data: { code: -4 } });
  });

  it('sends a Redis command and splits the reply with readLine and readExactly, then times out cleanly', async () => {
    const r = await at(svc.get('redis')!.port, 'redis');
    expect(r.data).toEqual({ len: '$5', body: new Uint8Array(Buffer.from('hello\r\n')), after: 'ETIMEDOUT', close_again: 0 });
  });

  it('upgrades to TLS and reports the certificate nginx serves', async () => {
    const https = svc.get('https')!;
    const r = await at(https.port, 'tls');
    expect(r.status).toBe('success');
    const d = r.data as { version: string; cipher: string; chain: number; leaf: Uint8Array; status: string; rest: number };
    expect(d.version).toMatch(/^TLSv1\.[23]$/);
    expect(d.cipher.length).toBeGreaterThan(5);
    expect(d.chain).toBeGreaterThanOrEqual(1);
    expect(new X509Certificate(d.leaf).fingerprint256).toBe(https.extra!.fingerprint256);
    expect(d.status).toBe('HTTP/1.1 200 OK');
    expect(d.rest).toBeGreaterThan(20);
  });

  it('exchanges datagrams with UdpSocket', async () => {
    const peer = createSocket('udp4');
    peer.on('message', (m, from) => peer.send(Buffer.concat([Buffer.from('pong:'), m]), from.port, from.address));
    await new Promise<void>((res) => peer.bind(0, '127.0.0.1', res));
    try {
      const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: peer.address().port, transport: 'udp' }, config: { mode: 'udp' } });
      expect(r.data).toEqual({ reply: 'pong:ping' });
    } finally {
      peer.close();
    }
  });

  it('logs at four levels, emits, sleeps and resolves a name', async () => {
    const emitted: Record<string, unknown>[] = [];
    const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, config: { mode: 'misc' } }, (e) => emitted.push(e));
    expect(r.status).toBe('success');
    expect(r.logs).toEqual([
      { level: 0, message: 'debug line' },
      { level: 1, message: 'info line' },
      { level: 2, message: 'warn line' },
      { level: 3, message: 'error line' },
    ]);
    expect(emitted).toEqual([expect.objectContaining({ emitted: 'first' })]);
    const d = r.data as { slept_ms: number; localhost: string[] };
    expect(d.slept_ms).toBeGreaterThanOrEqual(19);
    expect(d.localhost).toContain('127.0.0.1');
  });
});

describe('the AssemblyScript plugin templates', () => {
  it('build and pass their own tests as `wasmap plugin new` writes them, for every kind', async () => {
    // outside the checkout, with node_modules/wasmap linked to it as `npm install` links the file: dependency
    const root = tempDir('as-templates');
    const kinds = ['scanner', 'detection', 'evaluator', 'output'] as const;
    for (const kind of kinds) {
      const { dir } = await scaffoldPlugin({ name: `my-${kind}`, lang: 'as', kind, dir: join(root, `my-${kind}`) });
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(repo, join(dir, 'node_modules', 'wasmap'));
    }
    const generated = readFileSync(join(root, 'my-scanner', 'plugin.toml'), 'utf8');
    expect(generated).toContain('name = "my-scanner"');
    expect(generated).not.toContain('{{');
    // `npm test` of each is `node --test`; one run covers the four (test files run one process each)
    const r = spawnSync(process.execPath, ['--test'], { cwd: root, encoding: 'utf8', timeout: 280_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    const out = `${r.stdout}${r.stderr}`;
    expect(out, out).toMatch(/^# pass 8$/m);
    expect(out).toMatch(/^# fail 0$/m);
    expect(r.status, out).toBe(0);
  }, 300_000);
});
