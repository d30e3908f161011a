/**
 * The community plugin life cycle through the CLI, on real parts: a plugin
 * index and plugin files served over HTTP on loopback, keys and signatures
 * made by the real `minisign`, the real redis-info plugin built from
 * examples/, a real redis-server, and a store in a temp home. Every bad input
 * is refused with one line, exit 2, and leaves the store as it was.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packManifest } from '../../src/authoring/pack.js';
import { readPluginManifest } from '../../src/sandbox/plugin.js';
import { CLI, expectRefusal, parseJsonl, runCli, spawnCli, type CliResult } from '../support/cli.js';
import { startPluginServer, type PluginServer } from '../support/plugin-server.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../support/services.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-store-'));
const cargoEnv = { CARGO_TARGET_DIR: join(tmpdir(), 'wasmap-test-cargo') };

interface Key {
  pub: string;
  sec: string;
  /** the base64 line */
  key: string;
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A key pair made by the real minisign (unencrypted, -W). */
function minisignKey(name: string): Key {
  const pub = join(tmp, `${name}.pub`);
  const sec = join(tmp, `${name}.key`);
  execFileSync('minisign', ['-G', '-W', '-p', pub, '-s', sec], { stdio: 'ignore' });
  return { pub, sec, key: readFileSync(pub, 'utf8').trim().split('\n')[1]!.trim() };
}

/** Signs with the real minisign; the trusted comment claims `claim` (default: the file's own). */
function minisignSign(file: string, key: Key, claim: { name: string; version: string; sha256: string }): string {
  const out = `${file}.${Math.random().toString(36).slice(2)}.minisig`;
  execFileSync('minisign', ['-S', '-s', key.sec, '-m', file, '-x', out, '-t', `wasmap-plugin name=${claim.name} version=${claim.version} sha256=${claim.sha256}`], { stdio: 'ignore' });
  return readFileSync(out, 'utf8');
}

/** redis-info's module under another manifest (name, version, capabilities). */
function variant(base: Uint8Array, change: Record<string, unknown>): Uint8Array {
  const { manifest } = readPluginManifest(base);
  return packManifest(base, { ...manifest, ...change } as Record<string, unknown>);
}

let server: PluginServer;
let redisPort: number;
let v1: Uint8Array;
let v2: Uint8Array;
let publisher: Key;
let stranger: Key;
let home: string;
const env = (): Record<string, string> => ({ XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config'), WASMAP_PLUGIN_PATH: '' });
const store = () => join(home, 'data/wasmap/plugins');
const cli = (...args: string[]): Promise<CliResult> => runCli(args, { env: env() });

/** Runs the CLI on a pseudo-terminal (util-linux `script`) and types `answer` once the question is on the screen. */
function onTerminal(args: string[], answer: string): Promise<{ code: number | null; screen: string }> {
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, ...env() } });
    let screen = '';
    let asked = false;
    child.stdout.on('data', (d) => {
      screen += d;
      if (!asked && screen.includes('[y/N]')) {
        asked = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.end();
      resolve({ code, screen });
    });
  });
}

/** Serves `bytes` at /NAME-VERSION.wasm and returns an index entry for it. */
function publish(name: string, version: string, bytes: Uint8Array, opts: { key?: Key; claim?: { name: string; version: string; sha256: string }; entry?: Record<string, unknown> } = {}): Record<string, unknown> {
  const path = `/${name}-${version}-${sha256(bytes).slice(0, 8)}.wasm`;
  server.put(path, Buffer.from(bytes));
  const file = join(tmp, path.slice(1));
  writeFileSync(file, bytes);
  const key = opts.key ?? publisher;
  const signature = minisignSign(file, key, opts.claim ?? { name, version, sha256: sha256(bytes) });
  return { url: path.slice(1), sha256: sha256(bytes), signature, publisher: { name: 'wasmap examples', key: key.key }, ...opts.entry };
}

function serveIndex(path: string, plugins: Record<string, Record<string, Record<string, unknown>>>): string {
  server.put(path, JSON.stringify({ schema: 1, plugins: Object.fromEntries(Object.entries(plugins).map(([n, versions]) => [n, { versions }])) }), { headers: { 'content-type': 'application/json' } });
  return `${server.url}${path}`;
}

/** config.toml trusting the publisher and naming one index. */
function configure(indexUrl: string, extra = ''): void {
  mkdirSync(join(home, 'config/wasmap'), { recursive: true });
  writeFileSync(join(home, 'config/wasmap/config.toml'), `[[indexes]]\nurl = "${indexUrl}"\n\n[[trusted_publishers]]\nname = "wasmap examples"\nkey = "${publisher.key}"\n${extra}`);
}

/** The store's files, to show a refusal changed nothing. */
function snapshot(): string {
  if (!existsSync(store())) return '(no store)';
  const blobs = existsSync(join(store(), 'blobs')) ? readdirSync(join(store(), 'blobs')).sort().join(',') : '';
  const lock = existsSync(join(store(), 'plugins.lock')) ? readFileSync(join(store(), 'plugins.lock'), 'utf8') : '';
  return `${blobs}\n${lock}\n${readdirSync(store()).sort().join(',')}`;
}

beforeAll(async () => {
  const wasm = join(tmp, 'redis-info.wasm');
  const built = await runCli(['plugin', 'build', join(root, 'examples/redis-info'), '-o', wasm, '-q'], { env: cargoEnv });
  expect(built.code, built.stderr).toBe(0);
  v1 = new Uint8Array(readFileSync(wasm));
  v2 = variant(v1, { version: '0.2.0' });
  publisher = minisignKey('publisher');
  stranger = minisignKey('stranger');
  server = await startPluginServer();
  [{ port: redisPort }] = (await startServices(['redis'])) as { port: number }[];
}, 600_000);

afterAll(async () => {
  await server?.close();
  await stopServices(['redis']);
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  home = mkdtempSync(join(tmp, 'home-'));
});

describe('a new user installs a community plugin from an index', () => {
  it('index add, install, scan: the plugin runs, signed by the publisher they trusted; list and verify agree', async () => {
    const index = serveIndex('/index.json', { 'redis-info': { '0.1.0': publish('redis-info', '0.1.0', v1), '0.2.0': publish('redis-info', '0.2.0', v2) } });
    let r = await cli('plugin', 'trust', 'add', 'wasmap examples', publisher.pub);
    expect(r.code, r.stderr).toBe(0);
    r = await cli('plugin', 'index', 'add', index);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/added index .*1 plugin/);

    r = await cli('plugin', 'install', 'redis-info', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^installed redis-info 0\.2\.0 sha256 [0-9a-f]{16}… signed by wasmap examples\n$/);
    // the review names what the plugin may do and where it runs
    expect(r.stderr).toMatch(/capabilities\n  network: connect to the scanned target's own address/);
    expect(r.stderr).toMatch(/runs on +ports 6379, services redis, over tcp/);

    const scan = await cli('scan', '127.0.0.1', '-p', String(redisPort), '-f', 'jsonl', '--skip-discovery');
    expect(scan.code, scan.stderr).toBe(0);
    const events = parseJsonl(scan.stdout);
    const info = events.find((e) => e.origin.type === 'redis-info');
    expect(info, scan.stdout).toBeDefined();
    expect(info.result.status).toBe('success');
    expect(typeof info.result.data.redis_version).toBe('string');

    const list = await cli('plugin', 'list', '--json');
    const row = (JSON.parse(list.stdout) as { name: string; status: string; publisher?: string; version: string }[]).find((x) => x.name === 'redis-info');
    expect(row).toMatchObject({ version: '0.2.0', status: 'installed', publisher: 'wasmap examples' });
    r = await cli('plugin', 'verify');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ok +redis-info 0\.2\.0 \(user\): signed by wasmap examples/m);

    // --no-installed leaves it out for one run
    const bare = await cli('scan', '127.0.0.1', '-p', String(redisPort), '-f', 'jsonl', '--skip-discovery', '--no-installed');
    expect(bare.code, bare.stderr).toBe(0);
    expect(parseJsonl(bare.stdout).some((e) => e.origin.type === 'redis-info')).toBe(false);

    // a file changed in the store: verify exits 1 and names it
    const blob = join(store(), 'blobs', `${sha256(v2)}.wasm`);
    chmodSync(blob, 0o644);
    const bytes = readFileSync(blob);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(blob, bytes);
    r = await cli('plugin', 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED redis-info 0\.2\.0 \(user\): installed plugin redis-info 0\.2\.0 refused: .* changed on disk/m);

    r = await cli('plugin', 'remove', 'redis-info');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(store(), 'blobs'))).toEqual([]);
  }, 300_000);

  it('update moves an index install to the newest version and shows what changed; a pinned install stays; more capabilities stop it', async () => {
    const one = publish('redis-info', '0.1.0', v1);
    configure(serveIndex('/update.json', { 'redis-info': { '0.1.0': one } }));
    expect((await cli('plugin', 'install', 'redis-info', '--yes')).code).toBe(0);
    let r = await cli('plugin', 'update');
    expect(r.stdout).toMatch(/redis-info 0\.1\.0: up to date/);

    serveIndex('/update.json', { 'redis-info': { '0.1.0': one, '0.2.0': publish('redis-info', '0.2.0', v2) } });
    r = await cli('plugin', 'update', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/redis-info: 0\.1\.0 → 0\.2\.0, sha256 [0-9a-f]{12}… → [0-9a-f]{12}…/);

    // 0.2.1 asks for dns too: the update stops and asks again (no terminal here: refused)
    const v21 = variant(v1, { version: '0.2.1', capabilities: ['network', 'dns'] });
    serveIndex('/update.json', { 'redis-info': { '0.2.0': publish('redis-info', '0.2.0', v2), '0.2.1': publish('redis-info', '0.2.1', v21) } });
    const held = snapshot();
    r = await cli('plugin', 'update');
    expectRefusal(r, /redis-info 0\.2\.1 needs your confirmation \(network, dns, more than granted before\)/);
    expect(snapshot()).toBe(held);

    // 0.3.0 asks for network:any: not granted by --yes alone, nothing changes
    const v3 = variant(v1, { version: '0.3.0', capabilities: ['network:any'] });
    serveIndex('/update.json', { 'redis-info': { '0.2.0': publish('redis-info', '0.2.0', v2), '0.3.0': publish('redis-info', '0.3.0', v3) } });
    const before = snapshot();
    r = await cli('plugin', 'update', '--yes');
    expectRefusal(r, /redis-info asks for network:any: grant it with --allow-capability network:any/);
    expect(snapshot()).toBe(before);

    // pinned: NAME@VERSION stays where it is
    r = await cli('plugin', 'install', 'redis-info@0.2.0', '--yes');
    expect(r.stdout).toMatch(/redis-info 0\.2\.0 is already installed/);
    r = await cli('plugin', 'update');
    expect(r.stdout).toMatch(/redis-info 0\.2\.0: pinned/);
  }, 300_000);

  it('installs from a URL with its .minisig beside it; an unsigned URL is refused (signatures are required for URLs)', async () => {
    const entry = publish('redis-info', '0.1.0', v1);
    server.put(`/${String(entry.url)}.minisig`, String(entry.signature));
    configure(`${server.url}/index.json`);
    let r = await cli('plugin', 'install', `${server.url}/${String(entry.url)}`, '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/installed redis-info 0\.1\.0 .* signed by wasmap examples/);
    r = await cli('plugin', 'remove', 'redis-info');
    expect(r.code, r.stderr).toBe(0);

    server.put('/unsigned.wasm', Buffer.from(v1));
    const before = snapshot();
    r = await cli('plugin', 'install', `${server.url}/unsigned.wasm`, '--yes');
    expectRefusal(r, /redis-info 0\.1\.0 is not signed, and config\.toml requires a signature for plugins from a URL or an index/);
    expect(snapshot()).toBe(before);
  });

  it('on a terminal, shows the review and installs only when the user says yes', async () => {
    configure(serveIndex('/tty.json', { 'redis-info': { '0.1.0': publish('redis-info', '0.1.0', v1) } }));
    const no = await onTerminal(['plugin', 'install', 'redis-info'], 'n');
    expect(no.code, no.screen).toBe(1);
    expect(no.screen).toMatch(/publisher  wasmap examples \(key [0-9A-F]{16}\)/);
    expect(no.screen).toMatch(/redis-info was not installed: declined/);
    expect(snapshot()).toBe('(no store)');
    const yes = await onTerminal(['plugin', 'install', 'redis-info'], 'y');
    expect(yes.code, yes.screen).toBe(0);
    expect(yes.screen).toMatch(/installed redis-info 0\.1\.0/);
  });

  it('installs a plugin directory by building it first (a local source: unsigned, with a warning)', async () => {
    const r = await runCli(['plugin', 'install', join(root, 'examples/redis-info'), '--yes'], { env: { ...env(), ...cargoEnv } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: redis-info 0\.1\.0 is not signed/);
    const lock = JSON.parse(readFileSync(join(store(), 'plugins.lock'), 'utf8')) as { plugins: Record<string, { source: string; pinned: boolean }> };
    expect(lock.plugins['redis-info']).toMatchObject({ source: join(root, 'examples/redis-info') });
  }, 300_000);

  it('asks before installing: no terminal and no --yes installs nothing', async () => {
    configure(serveIndex('/ask.json', { 'redis-info': { '0.1.0': publish('redis-info', '0.1.0', v1) } }));
    const r = await cli('plugin', 'install', 'redis-info');
    expectRefusal(r, /needs your confirmation \(network\): run on a terminal, or pass --yes/);
    expect(snapshot()).toBe('(no store)');
    // a misspelt grant is refused before anything is fetched
    const typo = await cli('plugin', 'install', 'redis-info', '--yes', '--allow-capability', 'network:all');
    expectRefusal(typo, /--allow-capability network:all: unknown capability \(known: network, network:any, dns, browser\)/);
    expect(snapshot()).toBe('(no store)');
  });
});

describe('bad input: one line, exit 2, nothing stored', () => {
  const cases: [string, () => { index: string; extra?: string; args?: string[]; installFirst?: () => Promise<void> }, RegExp][] = [
    ['a wrong sha256', () => ({ index: serveIndex('/bad-sha.json', { 'redis-info': { '0.1.0': { ...publish('redis-info', '0.1.0', v1), sha256: sha256(v2) } } }) }), /sha256 is [0-9a-f]{16}…, the index says/],
    ['a signature by an untrusted key', () => ({ index: serveIndex('/stranger.json', { 'redis-info': { '0.1.0': publish('redis-info', '0.1.0', v1, { key: stranger }) } }) }), /signed by key [0-9A-F]{16}, which is not a trusted publisher/],
    ['a valid signature over another version (trusted comment mismatch)', () => ({ index: serveIndex('/swap.json', { 'redis-info': { '0.2.0': publish('redis-info', '0.2.0', v2, { claim: { name: 'redis-info', version: '0.1.0', sha256: sha256(v1) } }) } }) }), /signature by wasmap examples is for another plugin \(version 0\.1\.0, sha256/],
    ['a truncated download', () => {
      const entry = publish('redis-info', '0.1.0', v1);
      server.truncate(`/${String(entry.url)}`, Buffer.from(v1), 1000);
      return { index: serveIndex('/trunc.json', { 'redis-info': { '0.1.0': entry } }) };
    }, /truncated download/],
    ['an oversized download', () => {
      server.put('/huge.wasm', Buffer.alloc((16 << 20) + 1));
      return { index: serveIndex('/huge.json', { 'redis-info': { '0.1.0': { ...publish('redis-info', '0.1.0', v1), url: 'huge.wasm' } } }) };
    }, /larger than 16777216 bytes/],
    ['a redirect to another host', () => {
      const entry = publish('redis-info', '0.1.0', v1);
      server.redirect('/moved.wasm', `http://127.0.0.2:${server.port}/${String(entry.url)}`);
      return { index: serveIndex('/redir.json', { 'redis-info': { '0.1.0': { ...entry, url: 'moved.wasm' } } }) };
    }, /redirects to another host 127\.0\.0\.2:\d+; allow it with allow_redirect_hosts/],
    ['an index entry with a malformed URL', () => ({ index: serveIndex('/bad-url.json', { 'redis-info': { '0.1.0': { ...publish('redis-info', '0.1.0', v1), url: 'ftp://127.0.0.1/x.wasm' } } }) }), /redis-info.*0\.1\.0/],
    ['an index entry with a malformed key', () => ({ index: serveIndex('/bad-key.json', { 'redis-info': { '0.1.0': { ...publish('redis-info', '0.1.0', v1), publisher: { name: 'x', key: 'RWnotakey' } } } }) }), /redis-info.*0\.1\.0/],
    ['an index that is not JSON', () => {
      server.put('/not-json.json', '<html>hello</html>');
      return { index: `${server.url}/not-json.json` };
    }, /not JSON|JSON/],
    ['a manifest name that differs from the index name', () => ({ index: serveIndex('/renamed.json', { 'redis-info': { '0.1.0': publish('redis-info', '0.1.0', variant(v1, { name: 'redis-other' }), { claim: { name: 'redis-info', version: '0.1.0', sha256: sha256(variant(v1, { name: 'redis-other' })) } }) } }) }), /is a plugin named redis-other 0\.1\.0 inside/],
    ['a revoked key', () => ({ index: serveIndex('/revoked.json', { 'redis-info': { '0.1.0': publish('redis-info', '0.1.0', v1) } }), extra: `\n[revoked]\nkeys = ["${keyIdOf(publisher)}"]\n` }), /revoked/],
    ['an install over another publisher without --force', () => {
      const index = serveIndex('/other-pub.json', { 'redis-info': { '0.1.0': publish('redis-info', '0.1.0', v1) } });
      return {
        index,
        extra: `\n[[trusted_publishers]]\nname = "stranger"\nkey = "${stranger.key}"\n`,
        args: [join(tmp, 'other-pub.wasm')],
        installFirst: async () => {
          expect((await cli('plugin', 'install', 'redis-info', '--yes')).code).toBe(0);
          writeFileSync(join(tmp, 'other-pub.wasm'), v2);
          writeFileSync(join(tmp, 'other-pub.wasm.minisig'), minisignSign(join(tmp, 'other-pub.wasm'), stranger, { name: 'redis-info', version: '0.2.0', sha256: sha256(v2) }));
        },
      };
    }, /redis-info is installed from wasmap examples \(key [0-9A-F]{16}\); this one is from stranger .*: pass --force/],
  ];

  for (const [what, setup, pattern] of cases) {
    it(`refuses ${what}`, async () => {
      const s = setup();
      configure(s.index, s.extra);
      await s.installFirst?.();
      const before = snapshot();
      const r = await cli('plugin', 'install', ...(s.args ?? ['redis-info']), '--yes');
      expectRefusal(r, pattern);
      expect(snapshot()).toBe(before);
    });
  }

  it('refuses an index that is not JSON when it is added', async () => {
    server.put('/not-json-2.json', 'not json at all');
    const r = await cli('plugin', 'index', 'add', `${server.url}/not-json-2.json`);
    expectRefusal(r, /not-json-2\.json/);
    expect(existsSync(join(home, 'config/wasmap/config.toml'))).toBe(false);
  });
});

/** The key id as minisign printed it: without leading zeros (%PRIX64), so 15 digits for 1 key in 16 — as a user would paste it. */
function keyIdOf(k: Key): string {
  return /minisign public key ([0-9A-F]{1,16})/.exec(readFileSync(k.pub, 'utf8'))![1]!;
}

describe('interruptions and concurrency', () => {
  it('Ctrl-C during a download installs nothing and exits 130', async () => {
    const entry = publish('redis-info', '0.1.0', v1);
    const stall = server.stall(`/${String(entry.url)}`, Buffer.from(v1), 4096);
    configure(serveIndex('/stall.json', { 'redis-info': { '0.1.0': entry } }));
    const child = spawnCli(['plugin', 'install', 'redis-info', '--yes'], { env: env() });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await stall.sent;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    stall.release();
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted: nothing was installed/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(snapshot()).toBe('(no store)');
  });

  it('two installs at once both land in one valid plugins.lock', async () => {
    const other = variant(v1, { name: 'redis-twin' });
    writeFileSync(join(tmp, 'a.wasm'), v1);
    writeFileSync(join(tmp, 'b.wasm'), other);
    // local files: unsigned is allowed with a warning
    const [a, b] = await Promise.all([cli('plugin', 'install', join(tmp, 'a.wasm'), '--yes'), cli('plugin', 'install', join(tmp, 'b.wasm'), '--yes')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr).toMatch(/warning: redis-info 0\.1\.0 is not signed/);
    const lock = JSON.parse(readFileSync(join(store(), 'plugins.lock'), 'utf8')) as { plugins: Record<string, { sha256: string }> };
    expect(Object.keys(lock.plugins).sort()).toEqual(['redis-info', 'redis-twin']);
    expect(readdirSync(join(store(), 'blobs')).sort()).toEqual([`${sha256(v1)}.wasm`, `${sha256(other)}.wasm`].sort());
  }, 300_000);
});
