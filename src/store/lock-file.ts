/**
 * plugins.lock: what is installed in one store — name, version, sha256,
 * where it came from, who signed it and the capabilities granted. Written
 * whole (temp file + rename) under the store's lock, so a reader never sees
 * half a file and two installs at once both land.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { KINDS } from '../sandbox/manifest.js';
import type { PluginKind } from '../sandbox/types.js';
import { lockFile } from './paths.js';
import { StoreError } from './store-error.js';
import { writeFileAtomic } from './write-atomic.js';

export interface LockEntry {
  name: string;
  version: string;
  kind: PluginKind;
  sha256: string;
  /** what the user installed from, resolved: an absolute path, a URL, or `NAME@VERSION from INDEX` */
  source: string;
  /** the index it came from (`plugin update` asks it again) */
  index?: string;
  /** installed as NAME@VERSION: `plugin update` leaves it */
  pinned: boolean;
  /** the trusted publisher whose key signed it; absent when unsigned */
  publisher?: { name: string; keyId: string };
  /** capabilities the user granted at install */
  capabilities: string[];
  installedAt: string;
}

export interface LockFile {
  lockfileVersion: 1;
  plugins: Record<string, LockEntry>;
}

const HEX64 = /^[0-9a-f]{64}$/;

function entryProblem(name: string, e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return 'not an object';
  const r = e as Record<string, unknown>;
  if (r.name !== name) return `name '${String(r.name)}' differs from its key`;
  if (typeof r.version !== 'string') return 'no version';
  if (!(KINDS as readonly unknown[]).includes(r.kind)) return 'bad kind';
  if (typeof r.sha256 !== 'string' || !HEX64.test(r.sha256)) return 'bad sha256';
  if (typeof r.source !== 'string') return 'no source';
  if (!Array.isArray(r.capabilities) || !r.capabilities.every((c) => typeof c === 'string')) return 'bad capabilities';
  return undefined;
}

export function parseLock(text: string, file: string): LockFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new StoreError(`${file} is not valid JSON (${(e as Error).message}); move it aside and reinstall`);
  }
  const d = doc as Partial<LockFile>;
  if (d?.lockfileVersion !== 1 || typeof d.plugins !== 'object' || d.plugins === null)
    throw new StoreError(`${file}: not a wasmap plugins.lock of version 1`);
  for (const [name, e] of Object.entries(d.plugins)) {
    const p = entryProblem(name, e);
    if (p) throw new StoreError(`${file}: entry '${name}': ${p}`);
  }
  return d as LockFile;
}

/** A store with no lock file holds nothing. */
export async function readLock(storeDir: string): Promise<LockFile> {
  const file = lockFile(storeDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lockfileVersion: 1, plugins: {} };
    throw new StoreError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseLock(text, file);
}

export async function writeLock(storeDir: string, lock: LockFile): Promise<void> {
  const sorted = Object.fromEntries(Object.entries(lock.plugins).sort(([a], [b]) => a.localeCompare(b)));
  await writeFileAtomic(lockFile(storeDir), `${JSON.stringify({ lockfileVersion: 1, plugins: sorted }, null, 2)}\n`);
}

/**
 * Runs `fn` holding the store's lock (another wasmap process waits for it):
 * read, change and write plugins.lock inside one call. proper-lockfile's
 * lock is a directory made atomically, refreshed while held and taken over
 * when its holder died (stale) — the cases a hand-written lock gets wrong.
 */
export async function withStoreLock<T>(storeDir: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(storeDir, { recursive: true });
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    // loaded here, not at startup: it hooks process signals (signal-exit) for every command that imports it
    const { default: lockfile } = await import('proper-lockfile');
    release = await lockfile.lock(storeDir, {
      lockfilePath: `${lockFile(storeDir)}.lck`,
      stale: 15_000,
      retries: { retries: 100, factor: 1.2, minTimeout: 50, maxTimeout: 1000 },
      onCompromised: (e) => { compromised = e; },
    });
  } catch (e) {
    throw new StoreError(`the plugin store ${storeDir} is busy (another wasmap is installing): ${(e as Error).message}`);
  }
  try {
    const out = await fn();
    if (compromised) throw new StoreError(`lost the plugin store's lock while writing (${compromised.message}); run wasmap plugin verify`);
    return out;
  } finally {
    await release().catch(() => undefined);
  }
}
