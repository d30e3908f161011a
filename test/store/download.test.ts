import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, type DownloadOptions } from '../../src/store/download.js';
import { StoreError } from '../../src/store/store-error.js';
import { startPluginServer, type PluginServer } from '../support/plugin-server.js';

// Only loopback: 127.0.0.1 serves, 127.0.0.2 plays "another host".
let a: PluginServer;
let b: PluginServer;
const limits: DownloadOptions = { maxBytes: 1 << 20, timeoutMs: 10_000 };

beforeAll(async () => {
  a = await startPluginServer();
  b = await startPluginServer({ host: '127.0.0.2' });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

/** The StoreError a download rejects with (fails the test if it resolves or throws anything else). */
async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => expect.fail('the download succeeded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StoreError);
  expect((e as StoreError).code).toBe('WASMAP_STORE');
  expect((e as StoreError).message).not.toContain('\n');
  return (e as StoreError).message;
}

describe('download', () => {
  it('returns the bytes a server sends and the URL they came from', async () => {
    const body = randomBytes(100_000);
    a.put('/ok.wasm', body);
    const got = await download(`${a.url}/ok.wasm`, limits);
    expect(got.bytes.equals(body)).toBe(true);
    expect(got.finalUrl).toBe(`${a.url}/ok.wasm`);
  });

  it('refuses a non-2xx status and names it', async () => {
    a.put('/gone.wasm', 'nope', { status: 410 });
    expect(await refusal(download(`${a.url}/gone.wasm`, limits))).toBe(`${a.url}/gone.wasm: HTTP 410 Gone`);
    expect(await refusal(download(`${a.url}/missing.wasm`, limits))).toMatch(/HTTP 404 Not Found$/);
  });

  it('refuses URLs that are not http(s)', async () => {
    expect(await refusal(download('file:///etc/passwd', limits))).toBe('not an http(s) URL: "file:///etc/passwd"');
    expect(await refusal(download('not a url', limits))).toMatch(/^not an http\(s\) URL/);
  });

  it('refuses a body whose Content-Length is over the cap before reading it', async () => {
    a.put('/big.wasm', Buffer.alloc(5000));
    const msg = await refusal(download(`${a.url}/big.wasm`, { ...limits, maxBytes: 4096 }));
    expect(msg).toBe(`${a.url}/big.wasm: larger than 4096 bytes (Content-Length 5000)`);
  });

  it('refuses a chunked body without a length once it passes the cap', async () => {
    a.put('/stream.wasm', Buffer.alloc(200_000), { headers: { 'transfer-encoding': 'chunked' } });
    const msg = await refusal(download(`${a.url}/stream.wasm`, { ...limits, maxBytes: 50_000 }));
    expect(msg).toBe(`${a.url}/stream.wasm: larger than 50000 bytes`);
    // exactly at the cap is fine
    const ok = await download(`${a.url}/stream.wasm`, { ...limits, maxBytes: 200_000 });
    expect(ok.bytes.length).toBe(200_000);
  });

  it('reports a body the server cuts short as a truncated download', async () => {
    a.truncate('/cut.wasm', randomBytes(10_000), 3000);
    const msg = await refusal(download(`${a.url}/cut.wasm`, limits));
    expect(msg).toMatch(new RegExp(`^${a.url}/cut\\.wasm: truncated download \\(got \\d+ of 10000 bytes\\)$`));
  });

  it('gives up on a server that sends headers and then stalls, within the deadline', async () => {
    const stall = a.stall('/slow.wasm', randomBytes(10_000), 100);
    try {
      const msg = await refusal(download(`${a.url}/slow.wasm`, { ...limits, timeoutMs: 300 }));
      expect(msg).toBe(`${a.url}/slow.wasm: no answer within 300 ms`);
      await stall.closed; // the connection was dropped, not left open
    } finally {
      stall.release();
    }
  });

  it('follows a redirect on the same host', async () => {
    a.put('/files/real.wasm', 'the plugin');
    a.redirect('/latest.wasm', '/files/real.wasm', 301);
    const got = await download(`${a.url}/latest.wasm`, limits);
    expect(got.bytes.toString()).toBe('the plugin');
    expect(got.finalUrl).toBe(`${a.url}/files/real.wasm`);
  });

  it('refuses a redirect to another host unless that host is allowed', async () => {
    b.put('/elsewhere.wasm', 'from b');
    a.redirect('/away.wasm', `${b.url}/elsewhere.wasm`);
    const before = b.hits('/elsewhere.wasm');
    expect(await refusal(download(`${a.url}/away.wasm`, limits))).toBe(
      `${a.url}/away.wasm: redirects to another host 127.0.0.2:${b.port}; allow it with allow_redirect_hosts in config.toml`,
    );
    // the other port on the same address is another host too
    expect(await refusal(download(`${a.url}/away.wasm`, { ...limits, allowRedirectHosts: ['127.0.0.2:1'] }))).toMatch(/another host/);
    expect(b.hits('/elsewhere.wasm')).toBe(before);

    for (const allowed of ['127.0.0.2', `127.0.0.2:${b.port}`]) {
      const got = await download(`${a.url}/away.wasm`, { ...limits, allowRedirectHosts: [allowed] });
      expect(got.bytes.toString()).toBe('from b');
      expect(got.finalUrl).toBe(`${b.url}/elsewhere.wasm`);
    }
  });

  it('stops a redirect loop and a chain longer than maxRedirects', async () => {
    a.redirect('/loop-a', '/loop-b');
    a.redirect('/loop-b', '/loop-a');
    expect(await refusal(download(`${a.url}/loop-a`, limits))).toBe(`${a.url}/loop-b: redirect loop back to ${a.url}/loop-a`);

    for (let i = 0; i < 3; i++) a.redirect(`/hop${i}`, `/hop${i + 1}`);
    a.put('/hop3', 'end');
    expect((await download(`${a.url}/hop0`, { ...limits, maxRedirects: 3 })).bytes.toString()).toBe('end');
    expect(await refusal(download(`${a.url}/hop0`, { ...limits, maxRedirects: 2 }))).toBe(`${a.url}/hop2: more than 2 redirects`);
  });

  it('refuses a redirect to a scheme other than http(s)', async () => {
    a.redirect('/to-file', 'file:///etc/passwd');
    expect(await refusal(download(`${a.url}/to-file`, limits))).toBe(
      `${a.url}/to-file: redirects to a file: URL; only http and https are fetched`,
    );
  });

  it('rejects with the signal reason when aborted mid-body, and closes the connection', async () => {
    const stall = a.stall('/abort.wasm', randomBytes(10_000), 1000);
    const ac = new AbortController();
    const pending = download(`${a.url}/abort.wasm`, { ...limits, signal: ac.signal });
    try {
      await stall.sent;
      const reason = new DOMException('the user pressed Ctrl-C', 'AbortError');
      ac.abort(reason);
      await expect(pending).rejects.toBe(reason);
      await stall.closed;
    } finally {
      stall.release();
    }
  });
});
