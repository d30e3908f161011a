import type { Limits } from './types.js';

/**
 * Closed set of ways an invocation can end early. Each is an Error thrown
 * through the guest's frames (so the guest cannot catch it) and turned into
 * a result by the worker.
 */

/** A limit of ABI §10 was hit, or the pool's plugin memory budget (`memory_total`, A6); `key` names it. */
export class LimitExceeded extends Error {
  constructor(readonly key: keyof Limits | 'memory_total', message: string) {
    super(message);
  }
}

/** WASI `proc_exit`: ends the invocation with that status. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`plugin called proc_exit(${code})`);
  }
}

/** The plugin broke the ABI (bad pointer, bad output, refused init, ...). */
export class PluginFault extends Error {}

/** The AssemblyScript runtime called `env.abort`. */
export class PluginAbort extends Error {}

/** One line describing why wasm code stopped. */
export function describeTrap(e: unknown): string {
  if (e instanceof WebAssembly.RuntimeError) return `trap: ${e.message}`;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'trap: call stack exhausted';
  if (e instanceof Error) return e.message;
  return String(e);
}
