// The ABI §3 exports. A plugin's entry file re-exports these five and calls
// `register(run)` once at top level:
//
//   export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
//   register(run);
//
// Memory: inputs are written by the host into raw heap blocks (heap.alloc,
// outside the GC) and freed by `wasmap_free` after the call; the Asyncify
// unwind area the host places behind the input lives in the same block. The
// output is a GC-managed Uint8Array kept reachable from a global until the
// next invocation replaces it, so a collection can never free it before the
// host has copied it (ABI §3: valid until the next call into the instance).
import { Config, Input } from "./input";
import { decodeAt, decodeError } from "./msgpack/reader";
import { Output } from "./output";
import { STATUS_APPLICATION_ERROR } from "./status";

export type RunFn = (input: Input) => Output;
export type InitFn = (config: Config) => bool;

let runFn: RunFn | null = null;
let initFn: InitFn | null = null;
let lastOutput: Uint8Array | null = null;

/** Sets the function `wasmap_run` calls. Call once, at top level. */
export function register(run: RunFn): void { runFn = run; }

/**
 * Optional: called once per instance with the validated config; returning
 * false refuses the config (the instance is not used).
 */
export function registerInit(init: InitFn): void { initFn = init; }

export function wasmap_abi_v1(): void {}

/** Largest block TLSF hands out (2^30 minus its header); above it, report out of memory. */
const MAX_ALLOC: i32 = (1 << 30) - 16;

export function wasmap_alloc(size: i32): usize {
  // ABI §3: 0 = out of memory (heap.alloc would trap instead)
  if (size < 0 || size > MAX_ALLOC) return 0;
  return heap.alloc(<usize>(size == 0 ? 1 : size));
}

export function wasmap_free(ptr: usize, len: i32): void {
  if (ptr != 0) heap.free(ptr);
}

export function wasmap_init(ptr: usize, len: i32): i32 {
  let rc = 0;
  const f = initFn;
  if (f !== null) {
    const v = decodeAt(ptr, len);
    rc = v === null || !v.isMap ? 1 : (changetype<InitFn>(f)(new Config(v)) ? 0 : 2);
  }
  // the host does not free the init block; nothing points into it any more
  heap.free(ptr);
  return rc;
}

export function wasmap_run(ptr: usize, len: i32): u64 {
  const f = runFn;
  if (f === null) abort("no run function: call register(run) in the plugin's entry file");
  const v = decodeAt(ptr, len);
  let out: Output;
  if (v === null || !v.isMap) out = Output.fail(STATUS_APPLICATION_ERROR, "bad input: " + decodeError());
  else out = changetype<RunFn>(f)(new Input(v));
  const bytes = out.encode();
  lastOutput = bytes;
  return (<u64>bytes.dataStart << 32) | <u64>bytes.length;
}
