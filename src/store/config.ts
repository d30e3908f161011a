/**
 * config.toml: the user's trust policy for the plugin store.
 *
 *   require_signature = true          # default: true for URLs and indexes, false (warned) for local files
 *   allow_redirect_hosts = ["cdn.example.org"]
 *   [[indexes]]            url = "https://plugins.example.org/index.json"
 *   [[trusted_publishers]] name = "Example Org"   key = "RWQ…"   (a minisign public key)
 *   [revoked]              keys = ["KEYID"]   sha256 = ["…"]
 */
import { readFile } from 'node:fs/promises';
import { parse, stringify, TomlError } from 'smol-toml';
import { parsePublicKey, type PublicKey } from '../signing/minisign.js';
import { writeFileAtomic } from './write-atomic.js';
import { StoreError } from './store-error.js';

export interface TrustedPublisher {
  name: string;
  /** the minisign public key, base64 (`RW…`) */
  key: string;
}

export interface StoreConfig {
  requireSignature?: boolean;
  trustedPublishers: TrustedPublisher[];
  indexes: { url: string }[];
  revoked: { keys: string[]; sha256: string[] };
  allowRedirectHosts: string[];
}

const TOP = new Set(['require_signature', 'trusted_publishers', 'indexes', 'revoked', 'allow_redirect_hosts']);

export function emptyConfig(): StoreConfig {
  return { trustedPublishers: [], indexes: [], revoked: { keys: [], sha256: [] }, allowRedirectHosts: [] };
}

function strings(v: unknown, where: string, file: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new StoreError(`${file}: ${where} must be a list of strings`);
  return v as string[];
}

function tables(v: unknown, where: string, file: string): Record<string, unknown>[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((t) => typeof t === 'object' && t !== null && !Array.isArray(t)))
    throw new StoreError(`${file}: ${where} must be an array of tables ([[${where}]])`);
  return v as Record<string, unknown>[];
}

export function parseConfig(text: string, file: string): StoreConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    const where = e instanceof TomlError ? `:${e.line}` : '';
    throw new StoreError(`${file}${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const k of Object.keys(doc)) if (!TOP.has(k)) throw new StoreError(`${file}: unknown key '${k}' (known: ${[...TOP].join(', ')})`);
  const cfg = emptyConfig();
  if (doc.require_signature !== undefined) {
    if (typeof doc.require_signature !== 'boolean') throw new StoreError(`${file}: require_signature must be true or false`);
    cfg.requireSignature = doc.require_signature;
  }
  cfg.trustedPublishers = tables(doc.trusted_publishers, 'trusted_publishers', file).map((t, i) => {
    const where = `trusted_publishers[${i}]`;
    if (typeof t.name !== 'string' || t.name === '') throw new StoreError(`${file}: ${where}.name must be a non-empty string`);
    if (typeof t.key !== 'string') throw new StoreError(`${file}: ${where}.key must be a minisign public key`);
    try {
      parsePublicKey(t.key);
    } catch (e) {
      throw new StoreError(`${file}: ${where}.key: ${(e as Error).message}`);
    }
    return { name: t.name, key: t.key.trim() };
  });
  cfg.indexes = tables(doc.indexes, 'indexes', file).map((t, i) => {
    if (typeof t.url !== 'string') throw new StoreError(`${file}: indexes[${i}].url must be a string`);
    return { url: t.url };
  });
  if (doc.revoked !== undefined) {
    if (typeof doc.revoked !== 'object' || doc.revoked === null || Array.isArray(doc.revoked)) throw new StoreError(`${file}: [revoked] must be a table`);
    const r = doc.revoked as Record<string, unknown>;
    cfg.revoked = {
      // minisign prints a key id without leading zeros (%PRIX64): compare as 16 digits
      keys: strings(r.keys, 'revoked.keys', file).map((k) => k.toUpperCase().padStart(16, '0')),
      sha256: strings(r.sha256, 'revoked.sha256', file).map((s) => s.toLowerCase()),
    };
  }
  cfg.allowRedirectHosts = strings(doc.allow_redirect_hosts, 'allow_redirect_hosts', file);
  return cfg;
}

/** A missing file is the default policy. */
export async function readConfig(file: string): Promise<StoreConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyConfig();
    throw new StoreError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseConfig(text, file);
}

export async function writeConfig(file: string, cfg: StoreConfig): Promise<void> {
  const doc: Record<string, unknown> = {};
  if (cfg.requireSignature !== undefined) doc.require_signature = cfg.requireSignature;
  if (cfg.allowRedirectHosts.length) doc.allow_redirect_hosts = cfg.allowRedirectHosts;
  if (cfg.indexes.length) doc.indexes = cfg.indexes;
  if (cfg.trustedPublishers.length) doc.trusted_publishers = cfg.trustedPublishers;
  if (cfg.revoked.keys.length || cfg.revoked.sha256.length) doc.revoked = cfg.revoked;
  await writeFileAtomic(file, `# wasmap plugin store policy (see docs/plugins.md, "Installing community plugins")\n${stringify(doc)}\n`);
}

/** The trusted publishers' keys, parsed; a revoked key is left out. */
export function trustedKeys(cfg: StoreConfig): { publisher: TrustedPublisher; key: PublicKey }[] {
  return cfg.trustedPublishers
    .map((publisher) => ({ publisher, key: parsePublicKey(publisher.key) }))
    .filter((t) => !cfg.revoked.keys.includes(t.key.keyId));
}
