import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ASYNC_IMPORTS } from './linker.js';

/**
 * Asyncify at load time (binaryen): a plugin that imports a waiting host call
 * is rewritten so the host can suspend it mid-call and resume it later, which
 * lets one worker run thousands of sessions on its event loop. The rewrite
 * is slow for big modules (seconds), so its output is cached on disk by the
 * sha256 of the input, tagged with everything that changes the output.
 */

type Binaryen = typeof import('binaryen').default;
let binaryen: Promise<Binaryen> | undefined;
const loadBinaryen = (): Promise<Binaryen> => (binaryen ??= import('binaryen').then((m) => m.default));

const OPTIMIZE_LEVEL = 2;
const SHRINK_LEVEL = 1;
/** Changes whenever the transform's output would change. */
export const TRANSFORM_TAG = createHash('sha256')
  .update(['binaryen-132', ASYNC_IMPORTS.join(','), OPTIMIZE_LEVEL, SHRINK_LEVEL, 'v1'].join('|'))
  .digest('hex')
  .slice(0, 12);

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'wasmap', 'asyncify');
}

export async function asyncifyTransform(bytes: Uint8Array): Promise<Uint8Array> {
  const b = await loadBinaryen();
  const F = b.Features;
  // binaryen 132 aborts on bulk-memory modules unless BulkMemoryOpt is on too.
  const features = F.MVP | F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | F.BulkMemory | F.BulkMemoryOpt | F.Multivalue | F.SIMD128;
  const m = b.readBinary(bytes);
  try {
    m.setFeatures(features);
    b.setOptimizeLevel(OPTIMIZE_LEVEL);
    b.setShrinkLevel(SHRINK_LEVEL);
    b.clearPassArguments();
    b.setPassArgument('asyncify-imports', ASYNC_IMPORTS.join(','));
    m.runPasses(['asyncify']);
    m.optimize();
    if (!m.validate()) throw new Error('binaryen produced an invalid module');
    return m.emitBinary();
  } finally {
    b.clearPassArguments();
    m.dispose();
  }
}

/** Asyncified bytes for `bytes` (whose sha256 is `sha`), from the cache when present. */
export async function asyncifyCached(bytes: Uint8Array, sha: string, cacheDir: string): Promise<{ bytes: Uint8Array; cached: boolean }> {
  const file = join(cacheDir, `${sha}-${TRANSFORM_TAG}.wasm`);
  try {
    const hit = new Uint8Array(await readFile(file));
    // A damaged entry is rebuilt; the caller re-checks imports of what it gets.
    if (WebAssembly.validate(hit)) return { bytes: hit, cached: true };
  } catch {
    /* miss */
  }
  const out = await asyncifyTransform(bytes);
  try {
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, out, { mode: 0o600 });
    await rename(tmp, file); // atomic: concurrent loaders never see half a file
  } catch {
    /* an unwritable cache only costs time */
  }
  return { bytes: out, cached: false };
}
