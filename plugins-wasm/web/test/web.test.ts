/**
 * The web plugin on real servers in real Chromium (the host's browser
 * service, docs/abi.md A12): nginx of test/support/services.mjs, and a
 * node page of the test's own that names technologies, has a favicon, and
 * asks for resources on other hosts and ports, which must never be reached.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { testRuntime } from '../../../test/sandbox/helpers/fixtures.js';
import { buildInlineAs } from '../../../test/sandbox/helpers/inline-plugin.js';
import { buildFromSource, bundledPluginFile, usePlugin, type Running } from '../../../test/support/plugin-harness.js';

interface WebData {
  url: string;
  technologies: { name: string; category: string; version?: string; via: string }[];
  favicon_url?: string; favicon_hash?: number; favicon_md5?: string; favicon_size?: number;
  screenshot?: Uint8Array; screenshot_format?: string; screenshot_width?: number; screenshot_height?: number; screenshot_skipped?: string;
  page?: { url: string; status: number; title: string; blocked: number; blocked_urls?: string[] };
}

/** MurmurHash3_x86_32, written here from Appleby's reference (independent of the SDK's AssemblyScript). */
function murmur3(data: Buffer, seed = 0): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51, c2 = 0x1b873593;
  const n = data.length, blocks = n - (n % 4);
  for (let i = 0; i < blocks; i += 4) {
    let k = data.readUInt32LE(i);
    k = Math.imul(k, c1); k = (k << 15) | (k >>> 17); k = Math.imul(k, c2);
    h ^= k; h = (h << 13) | (h >>> 19); h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (n % 4) {
    case 3: k ^= data[blocks + 2]! << 16; // falls through
    case 2: k ^= data[blocks + 1]! << 8; // falls through
    case 1: k ^= data[blocks]!; k = Math.imul(k, c1); k = (k << 15) | (k >>> 17); k = Math.imul(k, c2); h ^= k;
  }
  h ^= n;
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0; // signed, as Python's mmh3.hash
}

/** Shodan's favicon hash: mmh3 of Python's base64.encodebytes (76-character lines, each ending "\n"). */
function shodanFaviconHash(icon: Buffer): number {
  const b64 = icon.toString('base64');
  let text = '';
  for (let i = 0; i < b64.length; i += 76) text += `${b64.slice(i, i + 76)}\n`;
  return murmur3(Buffer.from(text, 'ascii'));
}

/** Width, height and number of distinct colours, as ImageMagick (not Chromium, not the plugin) reads the image. */
function identify(img: Uint8Array): { w: number; h: number; colours: number; format: string } {
  const r = spawnSync('/usr/bin/identify', ['-format', '%m %w %h %k', '-'], { input: Buffer.from(img), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`identify failed: ${r.stderr}`);
  const [format, w, h, k] = r.stdout.trim().split(' ');
  return { format: format!, w: Number(w), h: Number(h), colours: Number(k) };
}

/** An HTTP server that records every connection and request it gets. */
async function recorder(host: string): Promise<{ srv: Server; port: number; connections: number; requests: string[] }> {
  const rec = { srv: undefined as unknown as Server, port: 0, connections: 0, requests: [] as string[] };
  rec.srv = createServer((req: IncomingMessage, res) => {
    rec.requests.push(req.url ?? '');
    res.end('x');
  });
  rec.srv.on('connection', (s: Socket) => {
    rec.connections++;
    s.on('error', () => {});
  });
  await new Promise<void>((r) => rec.srv.listen(0, host, r));
  rec.port = (rec.srv.address() as AddressInfo).port;
  return rec;
}

const web = usePlugin('web', { services: ['http'], runtime: { limits: { wall_ms: 30_000 } } });
const nginxVersion = (): string => /nginx\/(\S+)/.exec(spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr)![1]!;
/** Chromium processes started by this process (Playwright spawns the browser as a child). */
const chromiumChildren = (): number[] =>
  spawnSync('pgrep', ['-P', String(process.pid), 'chromium'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
const HERE = fileURLToPath(new URL('.', import.meta.url));

describe('web on nginx, rendered by Chromium', () => {
  it('names nginx and its version, and returns a PNG of the page at the viewport size that is not blank', async () => {
    const nginx = web.service<Running & { extra: { title: string } }>('http');
    const r = await web.scan(nginx.port, { screenshot: true, width: 800, height: 600 });
    const d = r.data as WebData;
    expect(r.status, r.error).toBe('success');
    expect(d.technologies).toContainEqual(expect.objectContaining({ name: 'nginx', version: nginxVersion() }));
    expect(d.screenshot_format).toBe('png');
    expect([d.screenshot_width, d.screenshot_height]).toEqual([800, 600]);
    const img = identify(d.screenshot!);
    expect(img).toMatchObject({ format: 'PNG', w: 800, h: 600 });
    expect(img.colours).toBeGreaterThan(1); // black text on white, anti-aliased
    expect(d.page).toMatchObject({ url: `http://127.0.0.1:${nginx.port}/`, status: 200, title: nginx.extra.title, blocked: 0 });
    expect(r.summary).toContain(`nginx ${nginxVersion()}`);
  });
});

describe('web on a target scanned by name', () => {
  it('renders the page by the scanned hostname, which nothing resolves: the host maps it to the target IP', async () => {
    const nginx = web.service<Running & { extra: { title: string } }>('http');
    // .invalid never resolves (RFC 2606): the page can only come through the host's scope
    const r = await web.scan(nginx.port, { screenshot: true, width: 320, height: 200 }, { hostname: 'wasmap-web.invalid' });
    const d = r.data as WebData;
    expect(r.status, r.error).toBe('success');
    expect(d.url).toBe(`http://wasmap-web.invalid:${nginx.port}/`);
    expect(d.page).toMatchObject({ url: `http://wasmap-web.invalid:${nginx.port}/`, status: 200, title: nginx.extra.title, blocked: 0 });
  });
});

describe('web on a page of the test: technologies, favicon, and the browser scope', () => {
  const icon = Buffer.alloc(1500);
  for (let i = 0; i < icon.length; i++) icon[i] = (i * 131 + 7) & 0xff; // several base64 lines
  let site: Server;
  let port = 0;
  let sameOriginHits: string[] = [];
  let otherHost: Awaited<ReturnType<typeof recorder>>;
  let otherPort: Awaited<ReturnType<typeof recorder>>;

  beforeAll(async () => {
    otherHost = await recorder('127.0.0.2'); // another host
    otherPort = await recorder('127.0.0.1'); // the target's IP, another port
    site = createServer((req, res) => {
      sameOriginHits.push(req.url ?? '');
      if (req.url === '/static/icon.bin') return res.end(icon);
      if (req.url === '/js/jquery-3.6.0.min.js') return res.end('');
      if (req.url === '/ok.png') return res.writeHead(404).end();
      if (req.url === '/go') return res.writeHead(302, { location: `http://127.0.0.2:${otherHost.port}/redirected` }).end();
      res.writeHead(200, { 'content-type': 'text/html', 'x-powered-by': 'Express', 'set-cookie': ['PHPSESSID=abc; path=/', 'other=1'] });
      res.end(`<!DOCTYPE html><html><head><title>scope test</title>
<meta name="generator" content="WordPress 6.4.2">
<link rel="shortcut icon" href="/static/icon.bin">
<script src="/js/jquery-3.6.0.min.js"></script>
</head><body style="background:#ff8000"><h1>scope</h1>
<img src="/ok.png">
<img src="http://127.0.0.2:${otherHost.port}/x.png">
<script src="http://127.0.0.1:${otherPort.port}/y.js"></script>
<iframe src="/go"></iframe>
<script>fetch("http://127.0.0.2:${otherHost.port}/fetch").catch(() => {}); new WebSocket("ws://127.0.0.2:${otherHost.port}/ws");</script>
</body></html>`);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    port = (site.address() as AddressInfo).port;
  });
  afterAll(() => {
    site?.close();
    otherHost?.srv.close();
    otherPort?.srv.close();
  });

  it('names the technologies in headers, cookies and HTML, and hashes the favicon as Shodan does', async () => {
    sameOriginHits = [];
    // screenshot off is the default: no page is rendered, and nothing says one was skipped
    const r = await web.scan(port);
    const d = r.data as WebData;
    expect(r.status, r.error).toBe('success');
    expect(d.screenshot).toBeUndefined();
    expect(d.screenshot_skipped).toBeUndefined();
    const names = Object.fromEntries(d.technologies.map((t) => [t.name, t.version ?? '']));
    expect(names).toMatchObject({ Express: '', PHP: '', WordPress: '6.4.2', jQuery: '3.6.0' });
    // the reference implementation, checked against MurmurHash3's published vector first
    expect(murmur3(Buffer.from('hello'))).toBe(613153351);
    expect(d.favicon_url).toBe(`http://127.0.0.1:${port}/static/icon.bin`);
    expect(d.favicon_hash).toBe(shodanFaviconHash(icon));
    expect(d.favicon_size).toBe(icon.length);
    expect(d.favicon_md5).toBe(createHash('md5').update(icon).digest('hex'));
    expect(r.summary).toBe(`Express, PHP, WordPress 6.4.2, jQuery 3.6.0; favicon ${shodanFaviconHash(icon)}`);
    expect(sameOriginHits).toEqual(['/', '/static/icon.bin']);
  });

  it('renders the page while every request to another host or port is blocked before a connection', async () => {
    sameOriginHits = [];
    const r = await web.scan(port, { screenshot: true });
    const d = r.data as WebData;
    expect(r.status, r.error).toBe('success');
    expect(d.page).toMatchObject({ url: `http://127.0.0.1:${port}/`, status: 200, title: 'scope test' });
    // the page's own requests went through: the scope lets the target's port in
    expect(sameOriginHits).toEqual(expect.arrayContaining(['/ok.png', '/js/jquery-3.6.0.min.js', '/go']));
    // nothing reached the other host, nor another port of the target's IP
    expect(otherHost.connections).toBe(0);
    expect(otherPort.connections).toBe(0);
    expect(d.page!.blocked).toBeGreaterThanOrEqual(3);
    expect(d.page!.blocked_urls).toEqual(expect.arrayContaining([
      `http://127.0.0.2:${otherHost.port}/x.png`, `http://127.0.0.1:${otherPort.port}/y.js`, `http://127.0.0.2:${otherHost.port}/redirected`,
    ]));
    const img = identify(d.screenshot!);
    expect(img).toMatchObject({ format: 'PNG', w: 1280, h: 800 });
  });

  it('refuses the browser to a plugin without the browser capability', async () => {
    // the same plugin built with capabilities = ["network"] only
    const dir = mkdtempSync(join(tmpdir(), 'wasmap-web-nocap-'));
    cpSync(join(HERE, '..', 'assembly'), join(dir, 'assembly'), { recursive: true });
    writeFileSync(join(dir, 'plugin.toml'), readFileSync(join(HERE, '..', 'plugin.toml'), 'utf8').replace('name = "web"', 'name = "web-nocap"').replace('capabilities = ["network", "browser"]', 'capabilities = ["network"]'));
    const { wasm } = await buildFromSource(dir);
    expect(web.plugin.manifest.capabilities).toContain('browser');
    const nocap = testRuntime({ workers: 1 });
    try {
      const p = await nocap.load(wasm);
      const r: InvocationResult = await nocap.invoke(p, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, config: { screenshot: true } });
      const d = r.data as WebData;
      expect(r.status).toBe('success');
      expect(d.screenshot).toBeUndefined();
      expect(d.screenshot_skipped).toBe('browse: EDENIED');
      expect(r.sandbox.denials).toEqual(['browse needs capability "browser" (add it to plugin.toml capabilities)']);
    } finally {
      await nocap.close();
    }
  }, 240_000);
});

describe('the browser scope', () => {
  it('denies URLs that are not the target: another host, another port, another scheme', async () => {
    const src = `import { Input, Output, MapWriter, register, renderPage } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
function run(input: Input): Output {
  const urls = input.config.getString("urls", "").split(" ");
  const m = new MapWriter();
  for (let i = 0; i < urls.length; i++) m.int(urls[i], renderPage(urls[i], 320, 200).error);
  return new Output().setData(m);
}
register(run);`;
    const toml = (lang: string, entry: string): string => `name = "browse-probe"\nversion = "0.1.0"\nkind = "scanner"\ncapabilities = ["browser"]\n[config.urls]\ntype = "string"\ndefault = ""\n[build]\nlang = "${lang}"\nentry = "${entry}"\n`;
    const wasm = await buildInlineAs('browse-probe', toml, src);
    const rt = testRuntime({ workers: 1, limits: { wall_ms: 30_000 } });
    const port = web.service('http').port;
    const urls = [`http://127.0.0.2:${port}/`, `http://127.0.0.1:${port + 1}/`, 'file:///etc/passwd', `ftp://127.0.0.1:${port}/`, `http://localhost:${port}/`, `http://127.0.0.1:${port}/`];
    try {
      const p = await rt.load(wasm);
      const r = await rt.invoke(p, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, config: { urls: urls.join(' ') } });
      expect(r.status, r.error).toBe('success');
      // EDENIED (-2) for every URL but the target's own, which renders (0)
      expect(r.data).toEqual(Object.fromEntries(urls.map((u, i) => [u, i < urls.length - 1 ? -2 : 0])));
      expect(r.sandbox.denied).toBe(5);
      expect(r.sandbox.denials).toContain(`browse http://127.0.0.2:${port}/: 127.0.0.2:${port} is not the target 127.0.0.1 port ${port}`);
    } finally {
      await rt.close();
    }
  }, 240_000);
});

describe('the browser process', () => {
  it('is started on the first render and ended when the runtime closes', async () => {
    const before = new Set(chromiumChildren());
    const rt = testRuntime({ workers: 1, limits: { wall_ms: 30_000 } });
    try {
      const p = await rt.load(readFileSync(await bundledPluginFile('web')));
      expect(chromiumChildren().filter((pid) => !before.has(pid))).toEqual([]); // lazy: nothing yet
      const r = await rt.invoke(p, { target: { ip: '127.0.0.1', port: web.service('http').port, transport: 'tcp' }, config: { screenshot: true, width: 320, height: 200 } });
      expect((r.data as WebData).screenshot_width, r.error).toBe(320);
      expect(chromiumChildren().filter((pid) => !before.has(pid)).length).toBe(1);
    } finally {
      await rt.close();
    }
    expect(chromiumChildren().filter((pid) => !before.has(pid))).toEqual([]);
  }, 120_000);
});
