import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { WasmapError } from '../errors.js';
import { asyncifyCached, defaultCacheDir, resolveTransformLimits, TransformError, transformPrecheck, type TransformLimits } from './asyncify.js';
import { resolveLimits } from './limits.js';
import { ASYNC_IMPORTS, exportProblems, offendingImports } from './linker.js';
import { ManifestError, validateManifest } from './manifest.js';
import { decodeBounded, MsgpackError } from './msgpack.js';
import type { Limits, LoadedPlugin, PluginManifest } from './types.js';
import { capMemory, capTables, readWasm, type WasmInfo } from './wasm-binary.js';

export const DEFAULT_MAX_BYTES = 16 << 20;
const MANIFEST_SECTION = 'wasmap.manifest';
const PAGE = 65536;
/**
 * Tables live outside the linear memory and its memory_mb cap, and V8 lets
 * one grow to 10 million entries, each grow one uninterruptible call (3 s,
 * 300 MB). Real plugins define one table of at most a few hundred entries.
 * A table costs about 28 bytes per entry: 4 × 100,000 is at most ~11 MiB.
 */
export const MAX_TABLES = 4;
export const MAX_TABLE_ENTRIES = 100_000;

export interface LoadOptions {
  /** Largest accepted file; default 16 MiB. */
  maxBytes?: number;
  /** Asyncify cache; default `$XDG_CACHE_HOME/wasmap/asyncify`. */
  cacheDir?: string;
  /** User limit overrides (the manifest may lower them further). */
  limits?: Partial<Limits>;
  /** Budgets of the Asyncify transform; default DEFAULT_TRANSFORM_LIMITS (60 s of CPU, 512 MiB). */
  transformLimits?: Partial<TransformLimits>;
  /** Stops a transform in progress (the plugin is then refused as interrupted). */
  signal?: AbortSignal;
}

const refuse = (where: string, reason: string): never => {
  throw new WasmapError('WASMAP_PLUGIN_LOAD', `${where}: ${reason}`);
};

async function readCapped(path: string, maxBytes: number): Promise<Uint8Array> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => refuse(path, `cannot open (${e.code ?? e.message})`));
  try {
    const st = await fh.stat();
    if (!st.isFile()) refuse(path, 'not a regular file');
    if (st.size > maxBytes) refuse(path, `file is ${st.size} bytes, larger than the ${maxBytes}-byte limit`);
    const buf = new Uint8Array(st.size);
    const { bytesRead } = await fh.read(buf, 0, st.size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The memory checks of ABI §10; returns the max pages to write, or undefined to keep. */
function memoryCap(info: WasmInfo, limits: Limits, where: string): number | undefined {
  if (info.memories.length !== 1) refuse(where, `module must define exactly one memory (defines ${info.memories.length})`);
  const mem = info.memories[0]!;
  if (mem.shared) refuse(where, 'shared memory is not allowed');
  if (mem.memory64) refuse(where, '64-bit memory is not allowed');
  const capPages = limits.memory_mb * (1048576 / PAGE);
  if (mem.initial > capPages)
    refuse(where, `memory starts at ${(mem.initial * PAGE) / 1048576} MiB, above the memory_mb limit of ${limits.memory_mb}`);
  return mem.maximum === undefined || mem.maximum > capPages ? capPages : undefined;
}

/** The table checks (ABI A1): how many, how large they start. */
function checkTables(info: WasmInfo, where: string): void {
  if (info.tables.length > MAX_TABLES) refuse(where, `module defines ${info.tables.length} tables (at most ${MAX_TABLES})`);
  for (const [i, t] of info.tables.entries()) {
    if (t.initial > MAX_TABLE_ENTRIES) refuse(where, `table ${i} starts with ${t.initial} entries, above the limit of ${MAX_TABLE_ENTRIES}`);
  }
}

/** The refusal for a transform that did not complete. */
function transformRefusal(e: unknown): string {
  if (e instanceof TransformError) return `Asyncify transform ${e.message}`;
  return `Asyncify transform failed: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * The module's structure and its validated manifest, without compiling or
 * transforming it: what `plugin list` and an install's review need to show.
 * Throws WasmapError WASMAP_PLUGIN_LOAD naming `where`.
 */
export function readPluginManifest(bytes: Uint8Array, where = 'plugin'): { info: WasmInfo; manifest: PluginManifest } {
  if (!WebAssembly.validate(bytes)) refuse(where, 'not a valid WebAssembly module');
  let info: WasmInfo;
  try {
    info = readWasm(bytes);
  } catch (e) {
    return refuse(where, `unreadable module: ${(e as Error).message}`);
  }

  const sections = info.customSections.filter((s) => s.name === MANIFEST_SECTION);
  if (sections.length === 0) refuse(where, `no ${MANIFEST_SECTION} custom section`);
  if (sections.length > 1) refuse(where, `${sections.length} ${MANIFEST_SECTION} sections (exactly one allowed)`);
  let manifest;
  try {
    manifest = validateManifest(decodeBounded(sections[0]!.data, { maxBytes: 256 << 10, maxDepth: 8, maxItems: 1 << 16 }));
  } catch (e) {
    if (e instanceof MsgpackError) return refuse(where, `malformed manifest: ${e.message}`);
    if (e instanceof ManifestError) return refuse(where, `invalid manifest: ${e.message}`);
    throw e;
  }
  return { info, manifest };
}

/**
 * Loads and checks one plugin (ABI §1–3, §10): size, validity, manifest,
 * imports, exports, memory, tables; applies Asyncify when the plugin waits
 * on the network and caps its memory and tables. Throws WasmapError
 * WASMAP_PLUGIN_LOAD.
 */
export async function loadPlugin(pathOrBytes: string | Uint8Array, opts: LoadOptions = {}): Promise<LoadedPlugin> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const transformLimits = resolveTransformLimits(opts.transformLimits); // UsageError: the caller's mistake
  const path = typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>';
  let where = typeof pathOrBytes === 'string' ? basename(pathOrBytes) : 'plugin';
  const bytes = typeof pathOrBytes === 'string' ? await readCapped(pathOrBytes, maxBytes) : pathOrBytes;
  if (bytes.length > maxBytes) refuse(where, `module is ${bytes.length} bytes, larger than the ${maxBytes}-byte limit`);
  const { info, manifest } = readPluginManifest(bytes, where);
  where = `${where} (${manifest.name})`;

  const badImports = offendingImports(info);
  if (badImports.length) refuse(where, `imports not provided by the host: ${badImports.join(', ')}`);
  const badExports = exportProblems(info);
  if (badExports.length) refuse(where, badExports.join('; '));
  let limits: Limits;
  try {
    limits = resolveLimits(opts.limits, manifest.limits);
  } catch (e) {
    return refuse(where, (e as Error).message);
  }
  memoryCap(info, limits, where);
  checkTables(info, where);

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const imports = info.imports.map((i) => `${i.module}.${i.name}`);
  const asyncified = imports.some((i) => ASYNC_IMPORTS.includes(i));
  let run = bytes;
  if (asyncified) {
    const absurd = transformPrecheck(info);
    if (absurd) refuse(where, `not transformed (Asyncify): ${absurd}`);
    try {
      run = (await asyncifyCached(bytes, sha256, opts.cacheDir ?? defaultCacheDir(), { limits: transformLimits, signal: opts.signal })).bytes;
    } catch (e) {
      return refuse(where, transformRefusal(e));
    }
  }
  // Re-check what will actually run (it may come from an on-disk cache).
  const runInfo = readWasm(run);
  const runBad = offendingImports(runInfo);
  if (runBad.length) refuse(where, `transformed module imports ${runBad.join(', ')}`);
  const cap = memoryCap(runInfo, limits, where);
  checkTables(runInfo, where);
  // The table section comes before the memory section: rewriting the memory keeps runInfo's table offsets.
  if (cap !== undefined) run = capMemory(run, runInfo, cap);
  run = capTables(run, runInfo, MAX_TABLE_ENTRIES);
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(run);
  } catch (e) {
    return refuse(where, `compile failed: ${(e as Error).message}`);
  }
  return {
    path,
    sha256,
    manifest,
    imports,
    exports: info.exports.map((e) => e.name),
    size: bytes.length,
    limits,
    asyncified,
    runBytes: run,
    module,
  };
}
