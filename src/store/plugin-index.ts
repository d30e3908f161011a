import { NAME_RE } from '../sandbox/manifest.js';
import { parsePublicKey } from '../signing/minisign.js';
import { download, type DownloadOptions } from './download.js';
import { compareSemver, isPrerelease, isSemver } from './semver.js';
import { StoreError } from './store-error.js';

/**
 * A plugin index: a JSON document served over HTTP(S), like krew's or Spin's,
 * that maps plugin names to versions, each with the URL of its .wasm, its
 * sha256, and optionally a minisign signature and the publisher's key:
 *
 *   { "schema": 1, "plugins": { "redis-info": { "description": "…", "versions": {
 *       "0.1.0": { "url": "redis-info-0.1.0.wasm", "sha256": "<64 hex>",
 *                  "signature": "<.minisig text>" | "signature_url": "…",
 *                  "publisher": { "name": "…", "key": "RW…" } } } } } }
 *
 * URLs may be relative to the index. A bad entry refuses the whole index with
 * one line naming the plugin and version, so a publisher's mistake is seen at
 * once instead of at install time. Unknown fields are ignored (later schema-1
 * additions stay readable).
 */

export interface IndexVersion {
  name: string;
  version: string;
  /** absolute http(s) URL of the .wasm */
  url: string;
  /** 64 lower-case hex */
  sha256: string;
  /** the .minisig text, when the index carries it inline */
  signature?: string;
  /** absolute URL of the .minisig, when the index points to it */
  signatureUrl?: string;
  publisher?: { name: string; key: string; keyId: string };
  /** the index it came from (PluginIndex.url) */
  index: string;
}

export interface PluginIndex {
  url: string;
  plugins: Map<string, { description?: string; versions: IndexVersion[] /* newest first by semver */ }>;
}

const SCHEMA = 1;
const SHA256_RE = /^[0-9a-f]{64}$/i;

/** `baseUrl` (default `indexUrl`) resolves relative URLs: the URL the index was finally fetched from, after redirects. */
export function parseIndex(text: string, indexUrl: string, baseUrl = indexUrl): PluginIndex {
  const where = `plugin index ${indexUrl}`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new StoreError(`${where} is not JSON (${oneLine((e as Error).message)})`);
  }
  if (!isObject(doc)) throw new StoreError(`${where} is not a JSON object`);
  if (doc.schema !== SCHEMA) {
    throw new StoreError(`${where} has schema ${show(doc.schema)}; this wasmap reads schema ${SCHEMA}`);
  }
  if (!isObject(doc.plugins)) throw new StoreError(`${where}: "plugins" must be an object`);
  const plugins: PluginIndex['plugins'] = new Map();
  for (const [name, entry] of Object.entries(doc.plugins)) {
    if (name.length > 64 || !NAME_RE.test(name)) {
      throw new StoreError(`${where}: plugin name ${show(name)} must match [a-z0-9][a-z0-9-]* (at most 64 characters)`);
    }
    if (!isObject(entry) || !isObject(entry.versions)) throw new StoreError(`${where}: plugin ${name} needs a "versions" object`);
    if (entry.description !== undefined && typeof entry.description !== 'string') {
      throw new StoreError(`${where}: plugin ${name}: "description" must be a string`);
    }
    const versions = Object.entries(entry.versions).map(([version, v]) => indexVersion(where, indexUrl, baseUrl, name, version, v));
    versions.sort((a, b) => compareSemver(b.version, a.version));
    plugins.set(name, { description: entry.description, versions });
  }
  return { url: indexUrl, plugins };
}

function indexVersion(where: string, indexUrl: string, baseUrl: string, name: string, version: string, v: unknown): IndexVersion {
  if (!isSemver(version)) throw new StoreError(`${where}: plugin ${name}: version ${show(version)} is not a semantic version`);
  const at = `${where}: ${name} ${version}`;
  if (!isObject(v)) throw new StoreError(`${at}: the entry must be an object`);
  const url = entryUrl(at, 'url', v.url, baseUrl);
  if (url === undefined) throw new StoreError(`${at}: "url" is missing`);
  if (typeof v.sha256 !== 'string' || !SHA256_RE.test(v.sha256)) {
    throw new StoreError(`${at}: "sha256" must be 64 hex characters, not ${show(v.sha256)}`);
  }
  const out: IndexVersion = { name, version, url, sha256: v.sha256.toLowerCase(), index: indexUrl };
  if (v.signature !== undefined) {
    if (typeof v.signature !== 'string') throw new StoreError(`${at}: "signature" must be the .minisig text`);
    if (v.signature_url !== undefined) throw new StoreError(`${at}: has both "signature" and "signature_url"; keep one`);
    out.signature = v.signature;
  }
  const signatureUrl = entryUrl(at, 'signature_url', v.signature_url, baseUrl);
  if (signatureUrl !== undefined) out.signatureUrl = signatureUrl;
  if (v.publisher !== undefined) out.publisher = publisher(at, v.publisher);
  return out;
}

function entryUrl(at: string, field: string, value: unknown, baseUrl: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new StoreError(`${at}: "${field}" must be a string`);
  let u: URL;
  try {
    u = new URL(value, baseUrl);
  } catch {
    throw new StoreError(`${at}: "${field}" ${show(value)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StoreError(`${at}: "${field}" ${show(value)} is not an http(s) URL`);
  return u.href;
}

function publisher(at: string, p: unknown): NonNullable<IndexVersion['publisher']> {
  if (!isObject(p) || typeof p.name !== 'string' || p.name.trim() === '' || typeof p.key !== 'string') {
    throw new StoreError(`${at}: "publisher" must be { "name": "…", "key": "<minisign public key>" }`);
  }
  try {
    return { name: p.name, key: p.key, keyId: parsePublicKey(p.key).keyId };
  } catch (e) {
    throw new StoreError(`${at}: publisher key does not parse (${oneLine((e as Error).message)})`, { cause: e });
  }
}

export async function fetchIndex(url: string, opts: DownloadOptions): Promise<PluginIndex> {
  const { bytes, finalUrl } = await download(url, opts);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new StoreError(`plugin index ${url} is not JSON (not UTF-8 text)`);
  }
  return parseIndex(text, url, finalUrl);
}

/**
 * The entry to install for NAME[@VERSION]. Without a version: the newest
 * release across all indexes (a pre-release only when there is no release),
 * an earlier index winning a tie. With one: the first index that has it.
 */
export function resolveVersion(indexes: PluginIndex[], name: string, version?: string): IndexVersion {
  const all = indexes.flatMap((ix) => ix.plugins.get(name)?.versions ?? []);
  if (!all.length) {
    const where = indexes.length ? indexes.map((ix) => ix.url).join(', ') : 'none configured; add one with wasmap plugin index add URL';
    throw new StoreError(`no plugin '${name}' in the configured indexes (${where})`);
  }
  if (version !== undefined) {
    const hit = all.find((v) => v.version === version);
    if (hit) return hit;
    const has = [...new Set(all.map((v) => v.version))].sort((a, b) => compareSemver(b, a));
    throw new StoreError(`no version ${version} of ${name} (has: ${has.join(', ')})`);
  }
  const releases = all.filter((v) => !isPrerelease(v.version));
  // reduce keeps the earlier entry on a tie, so index order decides
  return (releases.length ? releases : all).reduce((best, v) => (compareSemver(v.version, best.version) > 0 ? v : best));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** V8's JSON errors quote the input, which may hold control characters. */
function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 200);
}

/** A value from the index, quoted on one line and cut short, for a message. */
function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
