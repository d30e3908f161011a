import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { workerUrl } from '../worker-url.js';
import type { TransformReply, TransformRequest } from './asyncify-child.js';
import { ASYNC_IMPORTS, ASYNC_IMPORTS_V1 } from './linker.js';
import type { WasmInfo } from './wasm-binary.js';

/**
 * Asyncify at load time (binaryen): a plugin that imports a waiting host call
 * is rewritten so the host can suspend it mid-call and resume it later, which
 * lets one worker run thousands of sessions on its event loop. The rewrite
 * is slow for big modules (seconds), so its output is cached on disk by the
 * sha256 of the input, tagged with everything that changes the output.
 *
 * The rewrite runs in a helper process (asyncify-child.ts) under a time and
 * a memory budget: its cost grows with the module's shape (functions that
 * reach a waiting call, locals live across one), so a hostile module can ask
 * binaryen for minutes of work or gigabytes. This process only waits on it,
 * so timers and signal handlers keep running; a module over budget is
 * refused with the budget it exceeded.
 */

const OPTIMIZE_LEVEL = 2;
const SHRINK_LEVEL = 1;
/**
 * Changes whenever the transform's output would change. Waiting imports
 * added after v1 (A12 `browse`) stay out of it: a module importing one was
 * refused before, so no cached output can be stale, and the others' is unchanged.
 */
export const TRANSFORM_TAG = createHash('sha256')
  .update(['binaryen-132', ASYNC_IMPORTS_V1.join(','), OPTIMIZE_LEVEL, SHRINK_LEVEL, 'v1'].join('|'))
  .digest('hex')
  .slice(0, 12);

export interface TransformLimits {
  /**
   * CPU time of one transform's helper, its start (about 1.3 s: V8 compiles
   * binaryen) included, in ms. CPU rather than wall time: on a busy machine
   * a real plugin takes many times longer by the clock. Where /proc is
   * missing (not Linux) the wall clock stands in. The wall clock is also
   * capped, at WALL_FACTOR times this, for a helper that stalls.
   */
  cpuMs: number;
  /** binaryen's working memory (its heap, a wasm memory), in MiB. */
  memoryMiB: number;
}

/**
 * Measured (docs/abi.md A1) on a busy 2-core machine: the bundled plugins
 * (40–127 KB) take 5.3–8 s of CPU and 16 MiB of binaryen heap each, a
 * 242 KB Rust plugin 20.5 s and 28 MiB. The defaults are 3× and 18× the
 * largest.
 */
export const DEFAULT_TRANSFORM_LIMITS: Readonly<TransformLimits> = Object.freeze({ cpuMs: 60_000, memoryMiB: 512 });
export const WALL_FACTOR = 5;

/** `partial` over the defaults; a bad value is a UsageError naming the key. */
export function resolveTransformLimits(partial: Partial<TransformLimits> = {}): TransformLimits {
  const limits = {
    cpuMs: partial.cpuMs ?? DEFAULT_TRANSFORM_LIMITS.cpuMs,
    memoryMiB: partial.memoryMiB ?? DEFAULT_TRANSFORM_LIMITS.memoryMiB,
  };
  // binaryen's heap starts at 16 MiB and, wasm32, cannot pass 4 GiB
  const range: Record<keyof TransformLimits, [number, number]> = { cpuMs: [1, 3_600_000], memoryMiB: [64, 4096] };
  for (const key of ['cpuMs', 'memoryMiB'] as const) {
    const v = limits[key];
    const [lo, hi] = range[key];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new UsageError(`transformLimits.${key} must be an integer from ${lo} to ${hi}`);
  }
  return limits;
}

/**
 * Modules refused before a helper starts: far beyond any real plugin (the
 * largest measured has 688 functions, 223 KB of code, 39 locals in one
 * function) and, for their shape, beyond any budget worth waiting for.
 */
export const TRANSFORM_MAX_FUNCTIONS = 20_000;
export const TRANSFORM_MAX_CODE_BYTES = 8 << 20;
export const TRANSFORM_MAX_LOCALS = 10_000;

/** The helper's JS heap; binaryen's heap is a wasm memory outside it. */
const CHILD_JS_HEAP_MIB = 256;
/**
 * A backstop (Linux): the helper's RSS may exceed binaryen's cap by node
 * itself, binaryen's code and the JS heap; past this it is killed.
 */
const RSS_SLACK_MIB = CHILD_JS_HEAP_MIB + 512;
const POLL_MS = 100;
/** How many helpers run at once; the others wait (their clock not started). */
const MAX_RUNNING = Math.max(1, availableParallelism());
/** What binaryen printed that is kept, for one short line in an error. */
const OUTPUT_KEEP = 4096;

export type TransformFailure = 'time' | 'memory' | 'failed' | 'interrupted';

/** Why a transform did not produce a module; the message follows "Asyncify transform ". */
export class TransformError extends Error {
  constructor(
    readonly reason: TransformFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransformError';
  }
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'wasmap', 'asyncify');
}

/** Why `info` is refused without trying, or undefined. */
export function transformPrecheck(info: WasmInfo): string | undefined {
  if (info.functions > TRANSFORM_MAX_FUNCTIONS) return `module defines ${info.functions} functions, above the ${TRANSFORM_MAX_FUNCTIONS} the transform accepts`;
  if (info.codeBytes > TRANSFORM_MAX_CODE_BYTES) return `module has ${info.codeBytes} bytes of code, above the ${TRANSFORM_MAX_CODE_BYTES} the transform accepts`;
  if (info.maxLocals > TRANSFORM_MAX_LOCALS) return `a function declares ${info.maxLocals} locals, above the ${TRANSFORM_MAX_LOCALS} the transform accepts`;
  return undefined;
}

export interface TransformOptions {
  limits?: TransformLimits;
  /** Stops the transform (the helper is killed): TransformError 'interrupted'. */
  signal?: AbortSignal;
}

/** Asyncified bytes for `bytes` (whose sha256 is `sha`), from the cache when present. */
export async function asyncifyCached(
  bytes: Uint8Array,
  sha: string,
  cacheDir: string,
  opts: TransformOptions = {},
): Promise<{ bytes: Uint8Array; cached: boolean }> {
  const file = join(cacheDir, `${sha}-${TRANSFORM_TAG}.wasm`);
  try {
    const hit = new Uint8Array(await readFile(file));
    // A damaged entry is rebuilt; the caller re-checks imports of what it gets.
    if (WebAssembly.validate(hit)) return { bytes: hit, cached: true };
  } catch {
    /* miss */
  }
  const out = await asyncifyTransform(bytes, opts);
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

/** Runs the transform in a helper process within `opts.limits`; throws TransformError. */
export async function asyncifyTransform(bytes: Uint8Array, opts: TransformOptions = {}): Promise<Uint8Array> {
  const limits = opts.limits ?? DEFAULT_TRANSFORM_LIMITS;
  const release = await takeSlot(opts.signal);
  try {
    return await runHelper(bytes, limits, opts.signal);
  } finally {
    release();
  }
}

// --- helpers: at most MAX_RUNNING at once, all killed when this process exits

let running = 0;
const queue: (() => void)[] = [];

function takeSlot(signal: AbortSignal | undefined): Promise<() => void> {
  const release = (): void => {
    running--;
    queue.shift()?.();
  };
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted());
    const start = (): void => {
      signal?.removeEventListener('abort', onAbort);
      running++;
      resolve(release);
    };
    const onAbort = (): void => {
      queue.splice(queue.indexOf(start), 1);
      reject(interrupted());
    };
    if (running < MAX_RUNNING) return start();
    queue.push(start);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const live = new Set<ChildProcess>();
let exitHooked = false;

/** Else a helper would outlive a parent that exits without waiting for it (process.exit on a second Ctrl-C). */
function track(child: ChildProcess): void {
  live.add(child);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

const HAS_PROC = existsSync('/proc/self/stat');
const CHILD_URL = workerUrl('./asyncify-child.js', import.meta.url);
const interrupted = (): TransformError => new TransformError('interrupted', 'interrupted');
const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

function runHelper(bytes: Uint8Array, limits: TransformLimits, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const script = fileURLToPath(CHILD_URL);
  if (!existsSync(script)) return Promise.reject(new TransformError('failed', `failed: its helper ${script} is missing (run npm run build)`));
  if (signal?.aborted) return Promise.reject(interrupted());
  return new Promise((resolve, reject) => {
    const child = fork(script, [], {
      execArgv: [`--max-old-space-size=${CHILD_JS_HEAP_MIB}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    track(child);
    // binaryen's prints are captured and never forwarded: they carry names the plugin chose.
    let output = '';
    let jsHeapFull = false; // V8's last words when --max-old-space-size is reached
    const keep = (d: Buffer): void => {
      const text = d.toString('latin1');
      if (output.length < OUTPUT_KEEP) output += text.slice(0, OUTPUT_KEEP - output.length);
      if (/heap limit|heap out of memory/i.test(text)) jsHeapFull = true;
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);

    let verdict: TransformError | undefined;
    let reply: TransformReply | undefined;
    const stop = (why: TransformError): void => {
      verdict ??= why;
      child.kill('SIGKILL');
    };
    const overMemory = (): TransformError => new TransformError('memory', `exceeded ${limits.memoryMiB} MiB`);
    const started = Date.now();
    const overCpu = (): TransformError => new TransformError('time', `exceeded ${seconds(limits.cpuMs)} of CPU time`);
    const timer = setTimeout(
      () => stop(new TransformError('time', `took more than ${seconds(limits.cpuMs * WALL_FACTOR)} (wall clock)`)),
      limits.cpuMs * WALL_FACTOR,
    );
    const watch = setInterval(() => {
      const use = usage(child.pid);
      if (HAS_PROC && !use) return; // it just exited: 'close' follows
      const cpuMs = use ? use.cpuMs : Date.now() - started;
      if (cpuMs > limits.cpuMs) stop(overCpu());
      else if (use && use.rssMiB > limits.memoryMiB + RSS_SLACK_MIB) stop(overMemory());
    }, POLL_MS);
    const onAbort = (): void => stop(interrupted());
    signal?.addEventListener('abort', onAbort, { once: true });

    child.on('message', (m: TransformReply) => (reply = m));
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null, spawnError?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watch);
      signal?.removeEventListener('abort', onAbort);
      live.delete(child);
      if (verdict) return reject(verdict);
      if (reply?.ok) return resolve(reply.bytes);
      if (reply?.memory) return reject(overMemory());
      if (reply) return reject(new TransformError('failed', `failed: ${printable(reply.message)}${excerpt(output)}`));
      if (jsHeapFull) return reject(new TransformError('memory', `exceeded its ${CHILD_JS_HEAP_MIB} MiB JS heap`));
      // Ctrl-C on a terminal reaches the whole process group, the helper too.
      if (sig === 'SIGINT' || sig === 'SIGTERM') return reject(interrupted());
      const how = spawnError ? `could not start its helper (${spawnError.message})` : `its helper ended with ${sig ?? `exit code ${code}`}`;
      reject(new TransformError('failed', `failed: ${how}${excerpt(output)}`));
    };
    child.on('error', (e) => {
      child.kill('SIGKILL');
      finish(null, null, e);
    });
    child.on('close', (code, sig) => finish(code, sig));
    const req: TransformRequest = {
      bytes,
      asyncImports: ASYNC_IMPORTS,
      optimizeLevel: OPTIMIZE_LEVEL,
      shrinkLevel: SHRINK_LEVEL,
      memoryMiB: limits.memoryMiB,
      deadline: Date.now() + limits.cpuMs * WALL_FACTOR,
    };
    child.send(req, (e) => e && stop(new TransformError('failed', `failed: could not reach its helper (${e.message})`)));
  });
}

/** CPU time (all threads) and resident memory of `pid`, where /proc tells (Linux). */
function usage(pid: number | undefined): { cpuMs: number; rssMiB: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // after "pid (comm) ": state is field 3, utime and stime fields 14 and 15, in USER_HZ (100) ticks
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    if (!rss || f.length < 13) return undefined;
    return { cpuMs: (Number(f[11]) + Number(f[12])) * 10, rssMiB: Number(rss[1]) / 1024 };
  } catch {
    return undefined;
  }
}

/** Text safe for a terminal: printable ASCII kept, everything else as `\xNN` / `\u{N}`. */
function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
  });
}

/** The first line binaryen printed, made printable and short, as ` (binaryen: …)`; '' when none. */
function excerpt(output: string): string {
  const line = output.split('\n').find((l) => l.trim() !== '');
  if (!line) return '';
  const shown = printable(line.trim());
  return ` (binaryen: ${shown.length > 160 ? `${shown.slice(0, 160)}...` : shown})`;
}
