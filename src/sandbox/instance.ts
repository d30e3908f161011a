import type { CallContext } from './call-context.js';
import type { HostCaller, HostFn, HostTable } from './host/table.js';
import { PluginFault } from './traps.js';

/** Bytes of guest memory the host uses to save the stack while suspended. */
export const ASYNC_BUFFER = 32 * 1024;

/**
 * Marks the synchronous stretches of guest code for the CPU watchdog, and
 * tells the worker when an instance stops to wait and before it goes on.
 */
export interface Heartbeat {
  enter(ctx: CallContext): void;
  leave(): void;
  /** `inst` is suspended in a waiting call: its memory cannot grow until it resumes. */
  park?(inst: PluginInstance): void;
  /**
   * Before a suspended `inst` resumes: undefined to go on at once, or a
   * promise to wait on first (memory budget, CPU turns), which rejects
   * when the invocation must end instead.
   */
  resume?(inst: PluginInstance): Promise<void> | undefined;
}

export interface PluginExports {
  memory: WebAssembly.Memory;
  wasmap_alloc(size: number): number;
  wasmap_run(ptr: number, len: number): bigint;
  wasmap_init?(ptr: number, len: number): number;
  wasmap_free?(ptr: number, len: number): void;
  wasmap_cleanup?(): void;
  _initialize?(): void;
  asyncify_start_unwind?(ptr: number): void;
  asyncify_stop_unwind?(): void;
  asyncify_start_rewind?(ptr: number): void;
  asyncify_stop_rewind?(): void;
}

const NORMAL = 0;
const UNWINDING = 1;
const REWINDING = 2;

/**
 * One guest instance. A waiting host call returns a Promise; if the module
 * was asyncified, the instance unwinds to `call`, which awaits the Promise
 * (other instances run meanwhile) and rewinds into the guest with the value.
 * Host functions (the worker's one HostTable) reach the invocation through
 * `ctx`, set per invocation, while this instance's guest code runs.
 */
export class PluginInstance implements HostCaller {
  ctx!: CallContext;
  readonly exports: PluginExports;
  /** Guest address of the Asyncify save area for the current call. */
  asyncBuffer = 0;
  #state = NORMAL;
  #pending: Promise<unknown> | undefined;
  #value: unknown;

  /** Instantiates under `ctx`: a start function is guest code, watched like any other. */
  constructor(module: WebAssembly.Module, readonly asyncified: boolean, private readonly hb: Heartbeat, private readonly host: HostTable, ctx: CallContext) {
    this.ctx = ctx;
    const prev = host.enter(this);
    hb.enter(ctx);
    try {
      this.exports = new WebAssembly.Instance(module, host.imports).exports as unknown as PluginExports;
    } finally {
      hb.leave();
      host.leave(prev);
    }
  }

  get memory(): WebAssembly.Memory {
    return this.exports.memory;
  }

  /** HostCaller: a waiting host call unwinds the guest here, and rewinding re-enters it with the value. */
  suspending(fn: HostFn, args: never[]): unknown {
    const ex = this.exports;
    if (this.#state === REWINDING) {
      // Resuming: the guest re-enters this call; hand it the awaited value.
      ex.asyncify_stop_rewind!();
      this.#state = NORMAL;
      const v = this.#value;
      this.#value = undefined;
      return v;
    }
    const r = fn(...args);
    if (!(r instanceof Promise)) return r;
    // A start function has no exports yet: it cannot be suspended either
    if (!this.asyncified || !ex) throw new PluginFault('waiting host call in a module that cannot be suspended');
    const d = new DataView(ex.memory.buffer);
    d.setUint32(this.asyncBuffer, this.asyncBuffer + 8, true);
    d.setUint32(this.asyncBuffer + 4, this.asyncBuffer + ASYNC_BUFFER, true);
    this.#pending = r;
    this.#state = UNWINDING;
    ex.asyncify_start_unwind!(this.asyncBuffer);
    return 0;
  }

  /**
   * Calls an export that may wait; each synchronous stretch is watched.
   * Returns the value directly when the guest did not wait, so a plugin that
   * never waits runs its whole invocation without a microtask hop.
   */
  call<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R | Promise<R> {
    const r = this.#segment(fn, args);
    return this.#state === UNWINDING ? this.#resume(fn, args) : r;
  }

  async #resume<A extends unknown[], R>(fn: (...args: A) => R, args: A): Promise<R> {
    const ex = this.exports;
    let r: R;
    do {
      try {
        ex.asyncify_stop_unwind!();
      } catch (e) {
        // Asyncify checks the area's end only here: the state has already
        // overrun it, into the plugin's own memory, so the instance is dropped
        throw e instanceof WebAssembly.RuntimeError ? new PluginFault(`suspended with more than ${ASYNC_BUFFER >> 10} KiB of saved call state (ABI A2)`) : e;
      }
      this.#state = NORMAL;
      this.hb.park?.(this);
      const p = this.#pending!;
      this.#pending = undefined;
      this.#value = await Promise.race([p, this.ctx.wall()]);
      const gate = this.hb.resume?.(this);
      if (gate) await gate;
      this.ctx.checkWall();
      this.#state = REWINDING;
      ex.asyncify_start_rewind!(this.asyncBuffer);
      r = this.#segment(fn, args);
    } while (this.#state === UNWINDING);
    return r;
  }

  /** Calls an export that must not wait (alloc, free, cleanup). */
  callSync<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    const r = this.#segment(fn, args);
    if (this.#state !== NORMAL) {
      this.exports.asyncify_stop_unwind?.();
      this.#state = NORMAL;
      throw new PluginFault('the guest waited in a call that cannot wait');
    }
    return r;
  }

  #segment<A extends unknown[], R>(fn: (...args: A) => R, args: A): R {
    const prev = this.host.enter(this);
    this.hb.enter(this.ctx);
    try {
      return fn.apply(this.exports, args);
    } finally {
      this.hb.leave();
      this.host.leave(prev);
    }
  }
}
