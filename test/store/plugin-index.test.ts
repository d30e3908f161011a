import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchIndex, parseIndex, resolveVersion, type PluginIndex } from '../../src/store/plugin-index.js';
import { StoreError } from '../../src/store/store-error.js';
import { startPluginServer, type PluginServer } from '../support/plugin-server.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'B'.repeat(64);
const limits = { maxBytes: 1 << 20, timeoutMs: 10_000 };

let server: PluginServer;
let tmp: string;
/** a publisher key made by the real minisign, and the key id minisign printed for it */
let key: string;
let keyId: string;

beforeAll(async () => {
  server = await startPluginServer();
  tmp = mkdtempSync(join(tmpdir(), 'wasmap-index-'));
  execFileSync('minisign', ['-G', '-W', '-p', join(tmp, 'k.pub'), '-s', join(tmp, 'k.key')], { stdio: 'ignore' });
  const [comment, line] = readFileSync(join(tmp, 'k.pub'), 'utf8').split('\n');
  key = line.trim();
  // minisign prints the id without leading zeros (%PRIX64, 15 digits in 1 of 16 keys); wasmap shows all 16
  keyId = /minisign public key ([0-9A-F]{1,16})$/.exec(comment)![1]!.padStart(16, '0');
});
afterAll(async () => {
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function indexText(plugins: Record<string, unknown>, schema: unknown = 1): string {
  return JSON.stringify({ schema, plugins });
}

/** The one-line StoreError parseIndex throws for this document. */
function refusal(text: string): string {
  try {
    parseIndex(text, 'http://127.0.0.1:1/index.json');
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).code).toBe('WASMAP_STORE');
    expect((e as StoreError).message).not.toContain('\n');
    return (e as StoreError).message;
  }
  return expect.fail('the index was accepted');
}

describe('plugin index', () => {
  it('fetches an index and resolves relative URLs against where it was finally served', async () => {
    const sig = 'untrusted comment: signature from minisign secret key\nRUQ…\ntrusted comment: wasmap-plugin name=redis-info version=0.10.0\nxyz\n';
    server.put('/v1/index.json', indexText({
      'redis-info': {
        description: 'Redis INFO',
        versions: {
          '0.9.0': { url: 'redis-info-0.9.0.wasm', sha256: SHA_A, signature_url: '../sigs/redis-info-0.9.0.wasm.minisig', publisher: { name: 'wasmap examples', key } },
          '0.10.0': { url: '/files/redis-info-0.10.0.wasm', sha256: SHA_B, signature: sig, publisher: { name: 'wasmap examples', key } },
          '1.0.0-rc.1': { url: 'https://127.0.0.1:9/rc.wasm', sha256: SHA_A, future_field: true },
          '0.2.0': { url: 'redis-info-0.2.0.wasm', sha256: SHA_A },
        },
      },
    }));
    server.redirect('/index.json', '/v1/index.json');
    const ix = await fetchIndex(`${server.url}/index.json`, limits);

    expect(ix.url).toBe(`${server.url}/index.json`); // the configured URL, what `plugin update` uses again
    const p = ix.plugins.get('redis-info')!;
    expect(p.description).toBe('Redis INFO');
    expect(p.versions.map((v) => v.version)).toEqual(['1.0.0-rc.1', '0.10.0', '0.9.0', '0.2.0']);
    const [, v10, v9, v2] = p.versions;
    expect(v10).toEqual({
      name: 'redis-info', version: '0.10.0', url: `${server.url}/files/redis-info-0.10.0.wasm`, sha256: 'b'.repeat(64),
      signature: sig, publisher: { name: 'wasmap examples', key, keyId }, index: ix.url,
    });
    expect(v9.url).toBe(`${server.url}/v1/redis-info-0.9.0.wasm`);
    expect(v9.signatureUrl).toBe(`${server.url}/sigs/redis-info-0.9.0.wasm.minisig`);
    expect(v9.signature).toBeUndefined();
    expect(v2.publisher).toBeUndefined();
    expect(v2.signature ?? v2.signatureUrl).toBeUndefined();
  });

  it('refuses an index that is not JSON', async () => {
    server.put('/html.json', '<html>\x1b[31mnot an index</html>', { headers: { 'content-type': 'text/html' } });
    const e = await fetchIndex(`${server.url}/html.json`, limits).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).message).toMatch(new RegExp(`^plugin index ${server.url}/html\\.json is not JSON \\(`));
    expect((e as StoreError).message).not.toMatch(/[\x00-\x1f]/);
  });

  it('refuses an unknown schema', () => {
    expect(refusal(indexText({}, 2))).toBe('plugin index http://127.0.0.1:1/index.json has schema 2; this wasmap reads schema 1');
    expect(refusal('[]')).toMatch(/is not a JSON object$/);
  });

  it('refuses an entry with a malformed URL, naming the plugin and version', () => {
    const entry = (url: string) => indexText({ x: { versions: { '1.0.0': { url, sha256: SHA_A } } } });
    expect(refusal(entry('ftp://127.0.0.1/x.wasm'))).toBe(
      'plugin index http://127.0.0.1:1/index.json: x 1.0.0: "url" "ftp://127.0.0.1/x.wasm" is not an http(s) URL',
    );
    expect(refusal(entry('http://[::1'))).toMatch(/: x 1\.0\.0: "url" "http:\/\/\[::1" is not a URL$/);
    expect(refusal(indexText({ x: { versions: { '1.0.0': { sha256: SHA_A } } } }))).toMatch(/: x 1\.0\.0: "url" is missing$/);
    expect(refusal(indexText({ x: { versions: { '1.0.0': { url: 'x.wasm', sha256: SHA_A, signature_url: 'javascript:alert(1)' } } } }))).toMatch(
      /: x 1\.0\.0: "signature_url" "javascript:alert\(1\)" is not an http\(s\) URL$/,
    );
  });

  it('refuses a publisher key that does not parse', () => {
    const text = indexText({ x: { versions: { '1.0.0': { url: 'x.wasm', sha256: SHA_A, publisher: { name: 'p', key: 'RWnotakey' } } } } });
    expect(refusal(text)).toMatch(/^plugin index http:\/\/127\.0\.0\.1:1\/index\.json: x 1\.0\.0: publisher key does not parse \(.+\)$/);
    const noName = indexText({ x: { versions: { '1.0.0': { url: 'x.wasm', sha256: SHA_A, publisher: { key } } } } });
    expect(refusal(noName)).toMatch(/: x 1\.0\.0: "publisher" must be/);
  });

  it('refuses a sha256 that is not 64 hex characters', () => {
    const bad = (sha256: unknown) => indexText({ x: { versions: { '1.0.0': { url: 'x.wasm', sha256 } } } });
    expect(refusal(bad('a'.repeat(63)))).toMatch(/: x 1\.0\.0: "sha256" must be 64 hex characters, not "a{63}"$/);
    expect(refusal(bad('g'.repeat(64)))).toMatch(/"sha256" must be 64 hex/);
    expect(refusal(bad(undefined))).toMatch(/"sha256" must be 64 hex characters, not undefined$/);
  });

  it('refuses a version or plugin name that would not match a manifest', () => {
    expect(refusal(indexText({ x: { versions: { '1.0': { url: 'x.wasm', sha256: SHA_A } } } }))).toBe(
      'plugin index http://127.0.0.1:1/index.json: plugin x: version "1.0" is not a semantic version',
    );
    expect(refusal(indexText({ 'Bad_Name': { versions: {} } }))).toMatch(/plugin name "Bad_Name" must match/);
  });
});

describe('resolveVersion', () => {
  const entry = (sha256: string, url = 'p.wasm') => ({ url, sha256 });
  let main: PluginIndex;
  let extra: PluginIndex;
  beforeAll(() => {
    main = parseIndex(indexText({
      'redis-info': { versions: { '0.1.0': entry(SHA_A), '0.2.0': entry(SHA_A), '0.3.0-beta.1': entry(SHA_A) } },
      'only-pre': { versions: { '1.0.0-alpha': entry(SHA_A), '1.0.0-beta': entry(SHA_A) } },
    }), 'http://127.0.0.1:1/main.json');
    extra = parseIndex(indexText({
      'redis-info': { versions: { '0.2.0': entry(SHA_B), '0.2.1': entry(SHA_B) } },
    }), 'http://127.0.0.1:2/extra.json');
  });

  it('picks the newest release across indexes when no version is given', () => {
    const v = resolveVersion([main, extra], 'redis-info');
    expect([v.version, v.index]).toEqual(['0.2.1', 'http://127.0.0.1:2/extra.json']);
    expect(resolveVersion([main, extra], 'only-pre').version).toBe('1.0.0-beta');
  });

  it('picks a pinned version from the first index that has it', () => {
    const v = resolveVersion([main, extra], 'redis-info', '0.2.0');
    expect([v.version, v.sha256, v.index]).toEqual(['0.2.0', SHA_A, 'http://127.0.0.1:1/main.json']);
    expect(resolveVersion([extra, main], 'redis-info', '0.2.0').sha256).toBe('b'.repeat(64));
    expect(resolveVersion([main], 'redis-info', '0.3.0-beta.1').version).toBe('0.3.0-beta.1');
  });

  it('names what is missing', () => {
    expect(() => resolveVersion([main, extra], 'nope')).toThrow(
      "no plugin 'nope' in the configured indexes (http://127.0.0.1:1/main.json, http://127.0.0.1:2/extra.json)",
    );
    expect(() => resolveVersion([], 'nope')).toThrow(/no plugin 'nope' in the configured indexes \(none configured/);
    expect(() => resolveVersion([main, extra], 'redis-info', '9.9')).toThrow(
      'no version 9.9 of redis-info (has: 0.3.0-beta.1, 0.2.1, 0.2.0, 0.1.0)',
    );
  });
});
