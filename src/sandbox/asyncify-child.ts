/**
 * The Asyncify transform's helper process, started by asyncify.ts as
 * `node --max-old-space-size=… asyncify-child.js`. binaryen runs here rather
 * than in the loader's process because a hostile module can keep it busy for
 * minutes or make it allocate gigabytes, synchronously: in the loader that
 * blocks the event loop (no timer, no signal handler). Here the parent keeps
 * the clock and can kill it, binaryen's memory is capped, and what binaryen
 * prints (its validator dumps name the module's functions, whose names the
 * plugin chose) goes to pipes the parent reads, never to a terminal.
 *
 * Protocol, over the IPC channel (advanced serialization): one
 * TransformRequest in, one TransformReply out, then exit.
 */
import { Worker } from 'node:worker_threads';

export interface TransformRequest {
  bytes: Uint8Array;
  /** `module.name` of the imports that may suspend */
  asyncImports: string[];
  optimizeLevel: number;
  shrinkLevel: number;
  /** Cap on binaryen's own heap (a wasm memory), in MiB. */
  memoryMiB: number;
  /** When the parent gives up on us (epoch ms): past it, the guard kills this process. */
  deadline: number;
}

export type TransformReply = { ok: true; bytes: Uint8Array } | { ok: false; memory: boolean; message: string };

const PAGE = 65536;
/** Time the guard leaves the parent to kill us itself before it does. */
const GUARD_GRACE_MS = 5000;

/** Whether the last growth binaryen asked for was refused (its allocator then fails). */
let memoryCapHit = false;

/**
 * binaryen.js is emscripten output: its heap is a wasm memory grown from JS
 * (`Memory.prototype.grow` in `emscripten_resize_heap`). Refusing growth past
 * the cap makes its allocator fail at once, where a process limit would not
 * do: V8 reserves far more address space than it uses (RLIMIT_AS breaks
 * binaryen's start), and an RSS check is only as quick as its polling.
 */
function capWasmMemory(maxBytes: number): void {
  const grow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number): number {
    if (this.buffer.byteLength + delta * PAGE > maxBytes) {
      memoryCapHit = true;
      throw new RangeError('Asyncify memory budget reached');
    }
    const old = grow.call(this, delta);
    memoryCapHit = false; // emscripten tries a generous size first, then a smaller one
    return old;
  };
}

/**
 * A thread that stops this process when the parent is gone (it died without
 * killing us: SIGKILL, a crash) or far past the deadline. The main thread
 * cannot: it is inside binaryen, synchronously.
 */
function startGuard(deadline: number): void {
  const source = `
    const { workerData: { ppid, deadline } } = require('node:worker_threads');
    setInterval(() => {
      if (process.ppid !== ppid || Date.now() > deadline) process.kill(process.pid, 'SIGKILL');
    }, 200);`;
  new Worker(source, { eval: true, workerData: { ppid: process.ppid, deadline: deadline + GUARD_GRACE_MS } }).unref();
}

/** A thrown value as text: emscripten throws non-Errors (a C++ exception is an object holding a pointer). */
function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  return 'binaryen aborted';
}

async function transform(req: TransformRequest): Promise<Uint8Array> {
  const b = (await import('binaryen')).default;
  const F = b.Features;
  // binaryen 132 aborts on bulk-memory modules unless BulkMemoryOpt is on too.
  const features = F.MVP | F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | F.BulkMemory | F.BulkMemoryOpt | F.Multivalue | F.SIMD128;
  const m = b.readBinary(req.bytes);
  m.setFeatures(features);
  // Refuse what the passes do not support before running them on it.
  if (!m.validate()) throw new Error('the module uses features the transform does not support');
  b.setOptimizeLevel(req.optimizeLevel);
  b.setShrinkLevel(req.shrinkLevel);
  b.setPassArgument('asyncify-imports', req.asyncImports.join(','));
  m.runPasses(['asyncify']);
  m.optimize();
  if (!m.validate()) throw new Error('binaryen produced an invalid module');
  return m.emitBinary();
}

process.once('message', (req: TransformRequest) => {
  startGuard(req.deadline);
  capWasmMemory(req.memoryMiB * 1048576);
  transform(req).then(
    (bytes): TransformReply => ({ ok: true, bytes }),
    (e: unknown): TransformReply => ({ ok: false, memory: memoryCapHit, message: describe(e) }),
  ).then((reply) => process.send!(reply, () => process.exit(0)));
});
