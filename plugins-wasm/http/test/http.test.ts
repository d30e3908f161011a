// Tests for the http and https scanner plugins (one source, two manifests):
// the real nginx http and https servers from test/support/services.mjs
// (compared with nginx -v, its access log and node's own HTTP client),
// loopback node servers for what that nginx config does not do (redirects,
// chunked bodies, SNI), and the parser on every truncated prefix of real
// responses and on hostile input.
//   npx vitest run plugins-wasm/http
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, get as httpGet, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult, LoadedPlugin } from '../../../src/sandbox/index.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';

const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const repo = join(here, '..', '..');

interface Running { name: string; host: string; port: number; extra: { url: string; title: string; certFile?: string } }
interface HttpData {
  request: { url: string; method: string; headers: Record<string, string> };
  response: {
    statusCode: number; statusMessage: string; httpVersion: string; headers: Record<string, string>;
    body: string; title: string; href: string; redirects: { statusCode: number; redirectUri: string }[];
    body_truncated?: boolean; redirect_note?: string;
  };
  tls?: { version: string; cipher: string };
}

const sh = (cmd: string, args: string[]): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return `${r.stdout}${r.stderr}`.trim();
};
const nginxVersion = (): string => /nginx\/(\S+)/.exec(sh('/usr/sbin/nginx', ['-v']))![1]!;

/** What node's own HTTP client gets for a URL. */
function nodeGet(url: string): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    }).on('error', reject);
  });
}

/** Every byte a server sends for `request` until it closes (over TLS when `tls`). */
function rawExchange(port: number, request: string, tls = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    s.on(tls ? 'secureConnect' : 'connect', () => s.write(request));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

const under = usePlugin('http', { services: ['http', 'https'], also: ['https'], harness: true });
let http: LoadedPlugin;
let https: LoadedPlugin;
let nginx: Running;
let nginxTls: Running;

beforeAll(() => {
  http = under.plugin;
  https = under.other('https');
  nginx = under.service<Running>('http');
  nginxTls = under.service<Running>('https');
});

const scan = (p: LoadedPlugin, port: number, config: Record<string, unknown> = {}, hostname?: string): Promise<InvocationResult> =>
  under.scanWith(p, port, config, hostname ? { hostname } : {});

async function drive(op: string, cases: unknown[], opts: Record<string, unknown> = {}): Promise<unknown[]> {
  const r = await under.parse({ op, cases, closed: false, head: false, max_body: 65536, base: [], ...opts });
  if (r.status !== 'success') throw new Error(`harness ${op}: ${r.status} ${r.error ?? ''}`);
  return r.data as unknown[];
}

describe('the http and https manifests', () => {
  it('are two network scanners built from one source, https speaking TLS by default', () => {
    expect(http.manifest).toMatchObject({ name: 'http', kind: 'scanner', capabilities: ['network'], match: { ports: [80, 8000, 8008, 8080, 8081, 8888], services: ['http'] } });
    expect(https.manifest).toMatchObject({ name: 'https', kind: 'scanner', capabilities: ['network'], match: { ports: [443, 4443, 8443, 9443], services: ['https'] } });
    const cfg = (p: LoadedPlugin): Record<string, { default?: unknown }> => (p.manifest as unknown as { config: Record<string, { default?: unknown }> }).config;
    expect(cfg(http).tls!.default).toBe(false);
    expect(cfg(https).tls!.default).toBe(true);
  });
});

describe('the http plugin on the real nginx', () => {
  it('gets the page nginx serves, its title, and the version nginx -v prints', async () => {
    const r = await scan(http, nginx.port);
    const d = r.data as HttpData;
    const viaNode = await nodeGet(nginx.extra.url);
    expect(r.status).toBe('success');
    expect(d.request).toEqual({
      url: `http://127.0.0.1:${nginx.port}/`, method: 'GET',
      headers: { Host: `127.0.0.1:${nginx.port}`, 'User-Agent': 'Mozilla/5.0 (compatible; wasmap/0.1)', Accept: '*/*', Connection: 'close' },
    });
    expect(d.response).toMatchObject({ statusCode: 200, statusMessage: 'OK', httpVersion: '1.1', title: nginx.extra.title, href: `http://127.0.0.1:${nginx.port}/`, redirects: [] });
    expect(d.response.body).toBe(viaNode.body);
    expect(d.response.headers['content-length']).toBe(String(Buffer.byteLength(viaNode.body)));
    expect(d.response.headers.server).toBe(`nginx/${nginxVersion()}`);
    expect(r.service).toEqual({ name: 'http', product: 'nginx', version: nginxVersion(), cpe: [`cpe:/a:igor_sysoev:nginx:${nginxVersion()}`], confidence: 1 });
    expect(r.summary).toBe(`200 OK "${nginx.extra.title}" (nginx/${nginxVersion()})`);
  });

  it('sends the configured path, method and User-Agent, as nginx logs them', async () => {
    const ua = `wasmap-test/${process.pid}`;
    const r = await scan(http, nginx.port, { path: '/robots.txt', method: 'HEAD', user_agent: ua }, 'localhost');
    const d = r.data as HttpData;
    expect(r.status).toBe('success');
    expect(d.request.headers.Host).toBe(`localhost:${nginx.port}`);
    expect(d.response).toMatchObject({ statusCode: 200, body: '', title: '' });
    expect(d.response.headers['content-length']).toBe(String(readFileSync(join(repo, 'test', '.run', 'http', 'www', 'robots.txt')).length));
    const log = readFileSync(join(repo, 'test', '.run', 'http', 'access.log'), 'utf8').trim().split('\n');
    expect(log.some((l) => l.includes('"HEAD /robots.txt HTTP/1.1" 200') && l.endsWith(`"${ua}"`))).toBe(true);
  });

  it('reports a 404 with the title of nginx error page', async () => {
    const r = await scan(http, nginx.port, { path: '/no-such-page' });
    expect(r.status).toBe('success');
    expect((r.data as HttpData).response).toMatchObject({ statusCode: 404, statusMessage: 'Not Found', title: '404 Not Found' });
    expect(r.summary).toBe(`404 Not Found "404 Not Found" (nginx/${nginxVersion()})`);
  });

  it('keeps only max_body bytes of the body and says so', async () => {
    const r = await scan(http, nginx.port, { max_body: 20 });
    const d = r.data as HttpData;
    expect(d.response.body).toBe('<!DOCTYPE html>\n<htm');
    expect(d.response.body_truncated).toBe(true);
  });

  it('says protocol-error when https meets plain http', async () => {
    const r = await scan(https, nginx.port);
    expect(r.status).toBe('protocol-error');
    expect(r.error).toBe('TLS handshake: ETLS');
  });
});

describe('the https plugin on the real nginx', () => {
  it('gets the page over TLS 1.2+, with its title and nginx version', async () => {
    const r = await scan(https, nginxTls.port, {}, 'localhost');
    const d = r.data as HttpData;
    expect(r.status).toBe('success');
    expect(d.request.url).toBe(`https://localhost:${nginxTls.port}/`);
    expect(d.response).toMatchObject({ statusCode: 200, title: nginxTls.extra.title });
    expect(d.response.headers.server).toBe(`nginx/${nginxVersion()}`);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(d.tls!.version);
    expect(r.service).toMatchObject({ name: 'https', product: 'nginx', version: nginxVersion() });
    expect(r.summary).toBe(`200 OK "${nginxTls.extra.title}" (nginx/${nginxVersion()})`);
    const raw = (await rawExchange(nginxTls.port, 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', true)).toString('utf8');
    expect(raw.endsWith(d.response.body)).toBe(true);
  });

  it('also speaks TLS as the http plugin when the target says tls', async () => {
    const r = await under.scanWith(http, nginxTls.port, {}, { tls: true });
    expect(r.status).toBe('success');
    expect((r.data as HttpData).request.url).toBe(`https://127.0.0.1:${nginxTls.port}/`);
    expect((r.data as HttpData).response.title).toBe(nginxTls.extra.title);
  });
});

describe('the http plugin on loopback node servers', () => {
  const servers: HttpServer[] = [];
  const seen: string[] = [];
  let port = 0;

  beforeAll(async () => {
    const srv = createHttpServer((req, res) => {
      seen.push(req.url!);
      const p = req.url!;
      if (p === '/a') { res.writeHead(302, { Location: 'b?x=1' }); res.end(); return; }
      if (p === '/b?x=1') { res.writeHead(301, { Location: `http://127.0.0.1:${port}/c#frag` }); res.end(); return; }
      if (p === '/c') { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<title>final</title>'); return; }
      if (p === '/away') { res.writeHead(307, { Location: `http://127.0.0.2:${port}/elsewhere` }); res.end(); return; }
      if (p === '/loop') { res.writeHead(302, { Location: '/loop' }); res.end(); return; }
      if (p === '/chunked') {
        // no Content-Length: node frames the body as chunks, one per write
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        for (const part of ['<html><head><TITLE>\n  Chunked ', '&amp; réel\n</title>', '</head>', '<body>', 'x'.repeat(5000), '</body></html>']) res.write(part);
        res.end();
        return;
      }
      res.writeHead(404); res.end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as AddressInfo).port;
    servers.push(srv);
  });
  afterAll(() => { for (const s of servers) s.close(); });

  it('follows same-origin redirects (relative and absolute) and lists each one', async () => {
    seen.length = 0;
    const r = await scan(http, port, { path: '/a' });
    const d = r.data as HttpData;
    expect(r.status).toBe('success');
    expect(seen).toEqual(['/a', '/b?x=1', '/c']);
    expect(d.request.url).toBe(`http://127.0.0.1:${port}/a`);
    expect(d.response).toMatchObject({
      statusCode: 200, title: 'final', href: `http://127.0.0.1:${port}/c`,
      redirects: [{ statusCode: 302, redirectUri: 'b?x=1' }, { statusCode: 301, redirectUri: `http://127.0.0.1:${port}/c#frag` }],
    });
    expect(r.summary).toBe(`302 → b?x=1 → 301 → http://127.0.0.1:${port}/c#frag → 200 OK "final"`);
  });

  it('never follows a redirect to another host', async () => {
    seen.length = 0;
    const r = await scan(http, port, { path: '/away' });
    const d = r.data as HttpData;
    expect(seen).toEqual(['/away']);
    expect(d.response).toMatchObject({
      statusCode: 307, redirects: [{ statusCode: 307, redirectUri: `http://127.0.0.2:${port}/elsewhere` }],
      redirect_note: `redirect not followed: http://127.0.0.2:${port} is another origin`,
    });
    expect(r.summary).toBe(`307 → http://127.0.0.2:${port}/elsewhere (not followed)`);
  });

  it('stops after max_redirects', async () => {
    seen.length = 0;
    const r = await scan(http, port, { path: '/loop', max_redirects: 2 });
    expect(seen).toEqual(['/loop', '/loop', '/loop']);
    expect((r.data as HttpData).response).toMatchObject({ statusCode: 302, redirect_note: 'stopped after max_redirects (2)' });
    expect((r.data as HttpData).response.redirects).toHaveLength(3);
    expect(r.summary).toBe('302 → /loop → 302 → /loop → 302 → /loop (max_redirects reached)');
  });

  it('decodes a chunked body and its title (entities, case, whitespace, UTF-8)', async () => {
    const r = await scan(http, port, { path: '/chunked' });
    const d = r.data as HttpData;
    const viaNode = await nodeGet(`http://127.0.0.1:${port}/chunked`);
    expect(d.response.headers['transfer-encoding']).toBe('chunked');
    expect(d.response.body).toBe(viaNode.body);
    expect(d.response.title).toBe('Chunked & réel');
  });

  it('sends the hostname as SNI and Host over TLS', async () => {
    const certDir = join(repo, 'test', 'support', 'certs', 'self-signed');
    const got: { sni?: string | false | null; host?: string }[] = [];
    const srv = createHttpsServer({ cert: readFileSync(join(certDir, 'cert.pem')), key: readFileSync(join(certDir, 'key.pem')) }, (req, res) => {
      got.push({ sni: (req.socket as import('node:tls').TLSSocket).servername, host: req.headers.host });
      res.writeHead(200);
      res.write('<title>tls ');
      res.end('ok</title>');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const p = (srv.address() as AddressInfo).port;
      const r = await scan(https, p, {}, 'wasmap.test');
      expect(r.status).toBe('success');
      expect((r.data as HttpData).response.title).toBe('tls ok');
      expect(got).toEqual([{ sni: 'wasmap.test', host: `wasmap.test:${p}` }]);
      // without a hostname no SNI is sent and Host is the IP
      await scan(https, p);
      expect(got[1]).toEqual({ sni: false, host: `127.0.0.1:${p}` });
    } finally {
      srv.close();
    }
  });

  it('returns the head as a partial result when the body is cut short', async () => {
    const srv = createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nServer: cut/1.0\r\nContent-Length: 100\r\n\r\n<title>cut'));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const r = await scan(http, (srv.address() as AddressInfo).port);
      expect(r).toMatchObject({ status: 'protocol-error', error: 'connection closed after 10 of 100 body bytes' });
      expect((r.data as HttpData).response).toMatchObject({ statusCode: 200, body: '<title>cut', title: 'cut' });
      expect(r.service).toEqual({ name: 'http', product: 'cut', version: '1.0', confidence: 1 });
    } finally {
      srv.close();
    }
  });

  it('says connection-refused for a closed port', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const p = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    expect(await scan(http, p)).toMatchObject({ status: 'connection-refused', error: 'ECONNREFUSED' });
  });
});

describe('the http parser on real and hostile bytes', () => {
  type Parsed = { status: string; error?: string; statusCode?: number; body?: Uint8Array; truncated?: boolean; framing?: string; headers?: number };
  const prefixes = (b: Buffer): Uint8Array[] => Array.from({ length: b.length + 1 }, (_, n) => new Uint8Array(b.subarray(0, n)));

  it('parses a real nginx response and calls every shorter prefix incomplete, or bad once closed', async () => {
    const raw = await rawExchange(nginx.port, 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
    const open = (await drive('response', prefixes(raw))) as Parsed[];
    const shut = (await drive('response', prefixes(raw), { closed: true })) as Parsed[];
    expect(open[raw.length]).toMatchObject({ status: 'ok', statusCode: 200, framing: 'content-length', body: new Uint8Array(body) });
    expect(shut[raw.length]).toMatchObject({ status: 'ok', statusCode: 200 });
    for (let n = 0; n < raw.length; n++) {
      expect(open[n]!.status, `open prefix of ${n} bytes`).toBe('more');
      expect(shut[n]!.status, `closed prefix of ${n} bytes`).toBe('bad');
    }
  });

  it('parses a real chunked response and calls every shorter prefix incomplete', async () => {
    const srv = createHttpServer((_req, res) => { res.write('first '); res.write('second '); res.end('third'); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const raw = await rawExchange((srv.address() as AddressInfo).port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(raw.toString('latin1')).toContain('Transfer-Encoding: chunked');
      const open = (await drive('response', prefixes(raw))) as Parsed[];
      expect(open[raw.length]).toMatchObject({ status: 'ok', framing: 'chunked', body: new Uint8Array(Buffer.from('first second third')) });
      for (let n = 0; n < raw.length; n++) expect(open[n]!.status, `prefix of ${n} bytes`).toBe('more');
      // a cap inside the second chunk ends the body there
      const capped = (await drive('response', [new Uint8Array(raw)], { max_body: 9 })) as Parsed[];
      expect(capped[0]).toMatchObject({ status: 'ok', truncated: true, body: new Uint8Array(Buffer.from('first sec')) });
    } finally {
      srv.close();
    }
  });

  it('refuses hostile heads, lengths and chunks with a reason instead of trapping', async () => {
    const head = 'HTTP/1.1 200 OK\r\n';
    const cases = [
      `${head}X: ${'a'.repeat(33_000)}`,
      `${head}${Array.from({ length: 101 }, (_, i) => `H${i}: v\r\n`).join('')}\r\n`,
      'SSH-2.0-OpenSSH_9.2p1\r\n\r\n',
      'HTTP/1.1 2x0 OK\r\n\r\n',
      'HTTP/1.1200 OK\r\n\r\n',
      `${head}no colon here\r\n\r\n`,
      `${head}Content-Length: 5, 6\r\n\r\nhello`,
      `${head}Content-Length: -1\r\n\r\n`,
      `${head}Content-Length: 99999999999999999999\r\n\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n1ffffffff\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `${head}Transfer-Encoding: chunked\r\n\r\n3\r\nabcXY`,
      `${head}Transfer-Encoding: chunked\r\n\r\n5;${'e'.repeat(1100)}`,
      'HTTP/1.1 100 Continue\r\n\r\n'.repeat(5) + `${head}\r\n`,
    ];
    const res = (await drive('response', cases.map((c) => new Uint8Array(Buffer.from(c, 'latin1'))))) as Parsed[];
    expect(res.map((r) => `${r.status}: ${r.error}`)).toEqual([
      'bad: header section longer than 32768 bytes',
      'bad: more than 100 header fields',
      'bad: not an HTTP response',
      'bad: malformed status code',
      'bad: malformed status line',
      'bad: header line without a name',
      'bad: invalid Content-Length',
      'bad: invalid Content-Length',
      'bad: invalid Content-Length',
      'bad: chunk size too large',
      'bad: malformed chunk size',
      'bad: chunk data not followed by CRLF',
      'bad: chunk-size line longer than 1024 bytes',
      'bad: more than 4 interim responses',
    ]);
    // what is fine: 1xx before the answer, folded fields, no body for 204, a body until close
    const ok = (await drive('response', [
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nA: 1\r\n  folded\r\n\r\n',
      'HTTP/1.0 200 OK\r\n\r\nuntil close',
    ].map((c) => new Uint8Array(Buffer.from(c))), { closed: true })) as Parsed[];
    expect(ok[0]).toMatchObject({ status: 'ok', statusCode: 204, framing: 'none', headers: 1 });
    expect(ok[1]).toMatchObject({ status: 'ok', httpVersion: '1.0', framing: 'close', body: new Uint8Array(Buffer.from('until close')) });
  });

  it('extracts titles and resolves Location values', async () => {
    expect(await drive('title', ['<TITLE lang=en>a\n\tb</title>', '<titlebar>x</titlebar><title>y</title>', 'no title', '<title>&lt;&amp;&gt;', `<title>${'z'.repeat(5000)}</title>`])).toEqual([
      'a b', 'y', '', '<&>', 'z'.repeat(1024),
    ]);
    expect(await drive('location', ['/x', 'y', '../z', '//h2/p', 'https://h:8443', 'http://user@h/p?q#f', 'http://[::1]:81/', 'mailto:x', 'http://h:99999/', ''], { base: ['http', 'h', 80, '/dir/page?q=1'] })).toEqual([
      'http://h/x', 'http://h/dir/y', 'http://h/dir/../z', 'http://h2/p', 'https://h:8443/', 'http://h/p?q', 'http://[::1]:81/', null, null, null,
    ]);
  });
});
