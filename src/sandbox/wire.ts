import type { MessagePort } from 'node:worker_threads';
import type { AllowEntry } from './host/scope.js';
import type { InvocationResult, InvocationTarget, Limits, PluginManifest } from './types.js';

/**
 * Messages between the pool (main thread) and its workers. Everything is
 * plain data; errors cross as `{code, message}` (structuredClone drops
 * subclasses on Node 20). Both directions are batched into arrays.
 */

export interface WorkerInit {
  /** Float64Array view, see HB_* offsets. */
  heartbeat: SharedArrayBuffer;
  allowNet: AllowEntry[];
  /** The plugin memory budget (memory-budget.ts). */
  memory: MemoryInit;
  /** This worker's port to the pool's browser service (A12, browser/service.ts). */
  browser?: MessagePort;
}

export interface MemoryInit {
  /** Int32Array view shared by the pool and all workers, see MEM_* offsets (memory-budget.ts). */
  shared: SharedArrayBuffer;
  /** Budgets in 64 KiB pages: this worker's and the whole pool's. */
  workerPages: number;
  totalPages: number;
}

/**
 * Heartbeat slots: when the current guest stretch began (epoch ms, 0 =
 * none), whose, its budget, which limit; for a cpu_ms stretch also the
 * invocation's wall deadline (epoch ms, 0 = none). Then, set once, the
 * worker's kernel thread id (0 = unknown: the watchdog measures wall time),
 * and the plugin memory pages this worker holds in the pool-wide count
 * (released by the pool when the worker exits). HB_LONG: the watchdog
 * copies HB_START there once a stretch has run LONG_MS (cpu-share.ts), so
 * the worker times only those stretches.
 */
export const HB_START = 0;
export const HB_INVOCATION = 1;
export const HB_BUDGET = 2;
export const HB_KIND = 3; // 0 = cpu_ms, 1 = wall_ms
export const HB_DEADLINE = 4;
export const HB_TID = 5;
export const HB_MEM_PAGES = 6;
export const HB_LONG = 7;
export const HB_SLOTS = 8;

export type ToWorker =
  /** `memoryPages`: the most the plugin's memory can grow to (its maximum, capped at memory_mb). */
  | { t: 'plugin'; pid: number; module: WebAssembly.Module; manifest: PluginManifest; limits: Limits; asyncified: boolean; memoryPages: number }
  | { t: 'drop'; pid: number }
  | { t: 'invoke'; id: number; pid: number; configKey: string; input: WireInput };

/**
 * An invocation's input as it crosses to the worker: the msgpack map the
 * guest reads, encoded on the main thread (the views of one batch share
 * msgpackr's buffers, cloned once per batch), plus what the host needs.
 */
export interface WireInput {
  bytes: Uint8Array;
  target?: InvocationTarget;
  config: Record<string, unknown>;
}

export type FromWorker =
  | { t: 'emit'; id: number; rec: Record<string, unknown> }
  /** `result.emitted` is empty: the emits went ahead as `emit` messages. */
  | { t: 'done'; id: number; result: InvocationResult }
  | { t: 'fatal'; id: number; error: { code: string; message: string } };

export const now = (): number => performance.timeOrigin + performance.now();
