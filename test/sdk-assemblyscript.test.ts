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

  it('decodes and re-encodes every msgpack type the host sends, unchanged', async () => {
    const values = {
      ints: [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53)],
      floats: [0.5, -1.25, 1e300, 3.141592653589793],
      strs: ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'é✓😀', 'y'.repeat(300), 'z'.repeat(70_000)],
      bins: [new Uint8Array(0), new Uint8Array([0, 255, 1]), new Uint8Array(70_000).fill(7)],
      flags: [true, false, null],
      nested: { a: { b: { c: [1, [2, [3, { d: 'e' }]]] } }, empty: {}, list: [] },
      wide: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])),
    };
    const r = await rt.invoke(plugin, { context: { mode: 'echo', values } });
    expect(r.error).toBeUndefined();
    expect(r.data).toEqual(values);
  });

  it('writes the smallest standard encoding of each value', async () => {
    const r = await rt.invoke(plugin, { context: { mode: 'encode' } });
    expect(r.error).toBeUndefined();
    const hex = (r.data as Uint8Array[]).map((b) => Buffer.from(b).toString('hex'));
    expect(hex.slice(0, 21)).toEqual([
      '00', '7f', 'cc80', 'ccff', 'cd0100', 'cdffff', 'ce00010000', 'ceffffffff', 'cf0000000100000000',
      'ff', 'e0', 'd0df', 'd080', 'd1ff7f', 'd18000', 'd2ffff7fff', 'd280000000', 'd3ffffffff7fffffff',
      'd38000000000000000', 'cf7fffffffffffffff', 'cfffffffffffffffff',
    ]);
    expect(hex[21]).toBe('bf' + '78'.repeat(31));
    expect(hex[22]).toBe('d920' + '78'.repeat(32));
    expect(hex[23]).toBe('da0190' + 'c3a9'.repeat(200));
    expect(hex[24]).toBe('db00011170' + '78'.repeat(70_000));
    expect(hex[25]).toBe('c5012c' + '00'.repeat(300));
    expect(hex[26]).toBe('9fdc0010dd00011170');
    expect(hex[27]).toBe('8fde0010df00011170');
    expect(hex[28]).toBe('cb3ff8000000000000c0c3c2');
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

  it('refuses hostile documents with a reason instead of trapping', async () => {
    const deep = new Uint8Array(40).fill(0x91); // [[[[…]]]] 40 deep, then a nil
    const docs = [
      new Uint8Array([]),
      new Uint8Array([0xc1]),
      new Uint8Array([0xd4, 0x01, 0x00]), // fixext1
      new Uint8Array([0xc7, 0x01, 0x01, 0x00]), // ext8
      new Uint8Array([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]), // str claiming 4 GiB
      new Uint8Array([0xc6, 0x7f, 0xff, 0xff, 0xff]), // bin claiming 2 GiB
      new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0]), // array claiming 4G elements
      new Uint8Array([0xdf, 0xff, 0xff, 0xff, 0xff]), // map claiming 4G entries
      new Uint8Array([...deep, 0xc0]),
      new Uint8Array([0x81, 0xc3, 0x01]), // bool map key
      new Uint8Array([0xc0, 0xc0]), // two values
      new Uint8Array([0xcb, 0x00, 0x00]), // short float64
      new Uint8Array([0x82, 0xa1, 0x61, 0x01]), // map missing an entry
      new Uint8Array([0x81, 0xa1, 0x61, 0x01]), // valid: {a: 1}
    ];
    const r = await rt.invoke(plugin, { context: { mode: 'decode', docs } });
    expect(r.error).toBeUndefined();
    expect(r.data).toEqual([
      'truncated msgpack at byte 0',
      'reserved msgpack byte 0xc1 at byte 0',
      'msgpack extension types are not allowed at byte 0',
      'msgpack extension types are not allowed at byte 0',
      'truncated str at byte 5',
      'truncated bin at byte 5',
      'array of 4294967295 elements in 1 bytes at byte 5',
      'map of 4294967295 entries in 0 bytes at byte 5',
      'msgpack nested deeper than 32 at byte 33',
      'msgpack map key is not a string or integer at byte 2',
      'trailing bytes after the msgpack value at byte 1',
      'truncated float64 at byte 1',
      'map of 2 entries in 3 bytes at byte 1',
      'ok',
    ]);
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
