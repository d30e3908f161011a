/**
 * What `wasmap plugin install SOURCE` means, and the bytes it names: a
 * .wasm file, a plugin directory (built first), an http(s) URL, or
 * NAME[@VERSION] looked up in the configured indexes. Remote sources are
 * read with size caps and timeouts; nothing is written to the store here.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { StoreConfig } from './config.js';
import { download, type DownloadOptions } from './download.js';
import { fetchIndex, resolveVersion, type PluginIndex } from './plugin-index.js';
import { StoreError } from './store-error.js';

export interface Candidate {
  bytes: Uint8Array;
  /** the .minisig text: beside the file or URL, or from the index entry */
  signature?: string;
  /** a URL or an index: a signature is required unless config.toml says otherwise */
  remote: boolean;
  /** for the lock file */
  source: string;
  index?: string;
  pinned: boolean;
  /** what the index promised; the bytes must match it */
  expected?: { name: string; version: string; sha256: string; publisherKey?: string };
}

export interface SourceOptions {
  cfg: StoreConfig;
  signal?: AbortSignal;
  /** compiles a plugin directory, returning the built .wasm's path */
  build: (dir: string) => Promise<string>;
  /** size cap of a plugin download (the loader's own cap) */
  maxBytes: number;
  timeoutMs: number;
}

const NAME_AT_VERSION = /^([a-z][a-z0-9-]*)(?:@([0-9A-Za-z.+-]+))?$/;

function fetchOpts(o: SourceOptions, maxBytes: number): DownloadOptions {
  return { maxBytes, timeoutMs: o.timeoutMs, allowRedirectHosts: o.cfg.allowRedirectHosts, signal: o.signal };
}

/** The signature beside a URL, or undefined when the server has none (404). */
async function signatureBeside(url: string, o: SourceOptions): Promise<string | undefined> {
  try {
    return (await download(`${url}.minisig`, fetchOpts(o, 64 << 10))).bytes.toString('utf8');
  } catch (e) {
    if (e instanceof StoreError && e.status === 404) return undefined;
    throw e;
  }
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The configured indexes, each fetched and parsed (a bad one is a one-line refusal naming it). */
export async function loadIndexes(o: SourceOptions): Promise<PluginIndex[]> {
  if (o.cfg.indexes.length === 0) throw new StoreError('no plugin index is configured: add one with `wasmap plugin index add URL`');
  const out: PluginIndex[] = [];
  for (const { url } of o.cfg.indexes) out.push(await fetchIndex(url, fetchOpts(o, 4 << 20)));
  return out;
}

export async function readSource(source: string, o: SourceOptions): Promise<Candidate> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    if (!/^https?:\/\//i.test(source)) throw new StoreError(`${source}: only http:// and https:// URLs can be installed`);
    const { bytes, finalUrl } = await download(source, fetchOpts(o, o.maxBytes));
    return { bytes, signature: await signatureBeside(finalUrl, o), remote: true, source, pinned: true };
  }
  const st = await stat(source).catch(() => undefined);
  if (st?.isDirectory()) {
    const built = await o.build(source);
    return { bytes: await readFile(built), signature: await readOptional(`${built}.minisig`), remote: false, source: resolve(source), pinned: true };
  }
  if (st?.isFile()) {
    if (st.size > o.maxBytes) throw new StoreError(`${source} is ${st.size} bytes, larger than the ${o.maxBytes}-byte plugin limit`);
    return { bytes: await readFile(source), signature: await readOptional(`${source}.minisig`), remote: false, source: resolve(source), pinned: true };
  }
  const m = NAME_AT_VERSION.exec(source);
  if (!m) throw new StoreError(`${source}: no such file or directory, and not a URL or NAME[@VERSION]`);
  return fromIndex(await loadIndexes(o), m[1]!, m[2], o);
}

export async function fromIndex(indexes: PluginIndex[], name: string, version: string | undefined, o: SourceOptions): Promise<Candidate> {
  const v = resolveVersion(indexes, name, version);
  const { bytes } = await download(v.url, fetchOpts(o, o.maxBytes));
  const signature = v.signature ?? (v.signatureUrl ? (await download(v.signatureUrl, fetchOpts(o, 64 << 10))).bytes.toString('utf8') : undefined);
  const index = v.index;
  return {
    bytes,
    signature,
    remote: true,
    source: `${name}@${v.version} from ${index}`,
    index,
    pinned: version !== undefined,
    expected: { name, version: v.version, sha256: v.sha256, publisherKey: v.publisher?.keyId },
  };
}
