/**
 * A plugin store made directly on disk in the documented layout (blobs/<sha256>.wasm,
 * blobs/<sha256>.wasm.minisig, plugins.lock written by rename) under a mkdtemp folder,
 * for tests that read the store without the install pipeline. Plugins are bundled
 * ones re-packed under another name, version and match (what `wasmap plugin pack`
 * does), and a loopback server speaks what they send.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packManifest } from '../../src/authoring/pack.js';
import { parsePluginToml } from '../../src/authoring/plugin-toml.js';
import { formatClaim } from '../../src/signing/plugin-claim.js';
import { signData, type SecretKey } from '../../src/signing/minisign.js';
import { sha256Hex } from '../../src/store/installed.js';
import { readLock, writeLock, type LockEntry } from '../../src/store/lock-file.js';
import { writeFileAtomic } from '../../src/store/write-atomic.js';
import { blobFile, signatureFile, storePaths, type StorePaths } from '../../src/store/paths.js';
import type { PluginKind } from '../../src/sandbox/types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TempStore {
  root: string;
  /** XDG_DATA_HOME, XDG_CONFIG_HOME and WASMAP_PLUGIN_PATH into `root`, for a child process */
  env: Record<string, string>;
  paths: StorePaths;
  /** the one system store (WASMAP_PLUGIN_PATH) */
  systemDir: string;
  remove(): void;
}

export function tempStore(): TempStore {
  const root = mkdtempSync(join(tmpdir(), 'wasmap-store-'));
  const env = { XDG_DATA_HOME: join(root, 'data'), XDG_CONFIG_HOME: join(root, 'config'), WASMAP_PLUGIN_PATH: join(root, 'system') };
  return { root, env, paths: storePaths(env), systemDir: env.WASMAP_PLUGIN_PATH, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface PackedPlugin {
  name: string;
  version: string;
  kind: PluginKind;
  bytes: Uint8Array;
}

/** A bundled plugin (dist/plugins, `npm run build`) re-packed under another name, version and `match` (and other manifest keys). */
export function repack(bundled: string, name: string, version: string, match: Record<string, unknown>, extra: (m: Record<string, unknown>) => Record<string, unknown> = () => ({})): PackedPlugin {
  const tomlFile = join(ROOT, 'plugins-wasm', bundled, 'plugin.toml');
  const { manifest } = parsePluginToml(readFileSync(tomlFile, 'utf8'), tomlFile);
  const wasm = new Uint8Array(readFileSync(join(ROOT, 'dist/plugins', `${bundled}.wasm`)));
  return { name, version, kind: manifest.kind as PluginKind, bytes: packManifest(wasm, { ...manifest, name, version, match, ...extra(manifest) }) };
}

/**
 * Installs as the install pipeline leaves it: the blob (0444) and its
 * signature first, then plugins.lock renamed into place.
 */
export async function installInto(storeDir: string, p: PackedPlugin, signer?: { publisher: string; key: SecretKey }): Promise<LockEntry> {
  const sha256 = sha256Hex(p.bytes);
  await writeFileAtomic(blobFile(storeDir, sha256), p.bytes, 0o444);
  if (signer) {
    const sig = signData(p.bytes, signer.key, { trustedComment: formatClaim({ name: p.name, version: p.version, sha256 }) });
    await writeFileAtomic(signatureFile(storeDir, sha256), sig);
  }
  const entry: LockEntry = {
    name: p.name,
    version: p.version,
    kind: p.kind,
    sha256,
    source: `/tmp/${p.name}.wasm`,
    pinned: false,
    ...(signer ? { publisher: { name: signer.publisher, keyId: signer.key.keyId } } : {}),
    capabilities: ['network'],
    installedAt: new Date().toISOString(),
  };
  const lock = await readLock(storeDir);
  lock.plugins[p.name] = entry;
  await writeLock(storeDir, lock);
  return entry;
}

export async function uninstallFrom(storeDir: string, name: string): Promise<void> {
  const lock = await readLock(storeDir);
  delete lock.plugins[name];
  await writeLock(storeDir, lock);
}

/** Flips one byte of an installed plugin's blob, as a disk fault or an attacker would. */
export async function tamper(storeDir: string, sha256: string): Promise<void> {
  const file = blobFile(storeDir, sha256);
  await chmod(file, 0o644);
  const bytes = await readFile(file);
  bytes[bytes.length - 1] ^= 0xff;
  await writeFile(file, bytes);
}

/**
 * A loopback server that answers memcached's `stats` and Redis's inline
 * `INFO`, so re-packed memcached and redis plugins succeed against it.
 * With `hold`, `stats` replies wait for `release()`: an invocation stays in
 * flight for as long as a test wants.
 */
export interface KvServer {
  port: number;
  hold: boolean;
  /** resolves when the next `stats` request is being held */
  nextHeld(): Promise<void>;
  /** answers every held `stats` request */
  release(): void;
  connections: number;
  close(): Promise<void>;
}

export const MEMCACHED_VERSION = '9.9.9-kv';
export const REDIS_VERSION = '9.9.9';

const STATS_REPLY = `STAT pid 42\r\nSTAT version ${MEMCACHED_VERSION}\r\nSTAT curr_items 0\r\nEND\r\n`;
const INFO_BODY = `# Server\r\nredis_version:${REDIS_VERSION}\r\nredis_mode:standalone\r\n\r\n`;
const INFO_REPLY = `$${Buffer.byteLength(INFO_BODY)}\r\n${INFO_BODY}\r\n`;

export async function startKvServer(): Promise<KvServer> {
  const sockets = new Set<net.Socket>();
  const held: net.Socket[] = [];
  let waiters: (() => void)[] = [];
  const kv: KvServer = {
    port: 0,
    hold: false,
    connections: 0,
    nextHeld: () => new Promise<void>((resolve) => waiters.push(resolve)),
    release: () => {
      for (const s of held.splice(0)) s.write(STATS_REPLY);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((s) => {
    kv.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('stats\r\n')) {
        got = '';
        if (!kv.hold) return void s.write(STATS_REPLY);
        held.push(s);
        const w = waiters;
        waiters = [];
        for (const resolve of w) resolve();
      } else if (got.includes('INFO\r\n')) {
        got = '';
        s.write(INFO_REPLY);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  kv.port = (server.address() as net.AddressInfo).port;
  return kv;
}
