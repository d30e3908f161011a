/**
 * The read side of the store, for scans and `plugin verify`: what is
 * installed, and each plugin's bytes only after they were checked again —
 * the sha256 the lock file recorded, the revocation list, and the
 * signature against the publishers trusted now.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseClaim } from '../signing/plugin-claim.js';
import { parseSignature, verifySignature } from '../signing/minisign.js';
import { trustedKeys, type StoreConfig } from './config.js';
import { readLock, type LockEntry } from './lock-file.js';
import { blobFile, signatureFile, type StorePaths } from './paths.js';
import { StoreError } from './store-error.js';

export interface InstalledPlugin {
  entry: LockEntry;
  scope: 'user' | 'system';
  storeDir: string;
  /** the content-addressed file */
  file: string;
}

/** Every installed plugin, the user's first; a system plugin the user also installed is left out. */
export async function listInstalled(paths: StorePaths): Promise<InstalledPlugin[]> {
  const out: InstalledPlugin[] = [];
  const seen = new Set<string>();
  const stores: [string, 'user' | 'system'][] = [[paths.userDir, 'user'], ...paths.systemDirs.map((d): [string, 'system'] => [d, 'system'])];
  for (const [storeDir, scope] of stores) {
    const lock = await readLock(storeDir);
    for (const entry of Object.values(lock.plugins)) {
      if (seen.has(entry.name)) continue;
      seen.add(entry.name);
      out.push({ entry, scope, storeDir, file: blobFile(storeDir, entry.sha256) });
    }
  }
  return out;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Why `cfg` refuses this entry before its bytes are read (a revoked key or hash), if it does. */
export function revocationOf(entry: LockEntry, cfg: StoreConfig): string | undefined {
  if (cfg.revoked.sha256.includes(entry.sha256)) return `its sha256 ${entry.sha256.slice(0, 16)}… is revoked in config.toml`;
  if (entry.publisher && cfg.revoked.keys.includes(entry.publisher.keyId))
    return `its publisher's key ${entry.publisher.keyId} (${entry.publisher.name}) is revoked in config.toml`;
  return undefined;
}

/**
 * The plugin's bytes, checked: StoreError (one line naming the plugin) when
 * the file is gone or changed, revoked, or its signature no longer holds.
 */
export async function openInstalled(p: InstalledPlugin, cfg: StoreConfig): Promise<Uint8Array> {
  const { entry } = p;
  const what = `installed plugin ${entry.name} ${entry.version}`;
  const revoked = revocationOf(entry, cfg);
  if (revoked) throw new StoreError(`${what} refused: ${revoked}`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(p.file);
  } catch (e) {
    throw new StoreError(`${what} refused: cannot read ${p.file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); reinstall it`);
  }
  const sha = sha256Hex(bytes);
  if (sha !== entry.sha256)
    throw new StoreError(`${what} refused: ${p.file} changed on disk (sha256 ${sha.slice(0, 16)}…, installed ${entry.sha256.slice(0, 16)}…); reinstall it`);
  if (entry.publisher) checkSignature(p, bytes, await readSignature(p, what), cfg, what);
  return bytes;
}

async function readSignature(p: InstalledPlugin, what: string): Promise<string> {
  try {
    return await readFile(signatureFile(p.storeDir, p.entry.sha256), 'utf8');
  } catch (e) {
    throw new StoreError(`${what} refused: its signature file is missing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); reinstall it`);
  }
}

function checkSignature(p: InstalledPlugin, bytes: Uint8Array, text: string, cfg: StoreConfig, what: string): void {
  const { entry } = p;
  const trusted = trustedKeys(cfg).find((t) => t.key.keyId === entry.publisher!.keyId);
  if (!trusted) throw new StoreError(`${what} refused: its publisher ${entry.publisher!.name} (key ${entry.publisher!.keyId}) is no longer trusted`);
  try {
    const sig = parseSignature(text);
    verifySignature(bytes, sig, trusted.key);
    const claim = parseClaim(sig.trustedComment);
    if (claim.name !== entry.name || claim.version !== entry.version || claim.sha256 !== entry.sha256) throw new Error('its signed name, version or sha256 differ from the lock file');
  } catch (e) {
    throw new StoreError(`${what} refused: signature check failed: ${(e as Error).message}`);
  }
}
