import type { CallContext } from './call-context.js';
import { dnsImports } from './host/dns.js';
import { emitImports } from './host/emit.js';
import type { HostEnv } from './host/env.js';
import { envImports, logImports } from './host/log.js';
import { tcpImports } from './host/tcp.js';
import { tlsImports } from './host/tls.js';
import { udpImports } from './host/udp.js';
import { ASYNC_IMPORTS } from './linker.js';
import { PluginFault } from './traps.js';
import { wasiImports } from './wasi.js';

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
const ASYNC_NAMES = new Set(ASYNC_IMPORTS.map((n) => n.slice('wasmap.'.length)));

type HostFn = (...args: never[]) => unknown;

/**
 * One guest instance. A waiting host call returns a Promise; if the module
 * was asyncified, the instance unwinds to `call`, which awaits the Promise
 * (other instances run meanwhile) and rewinds into the guest with the value.
 * Host functions reach the invocation through `ctx`, set per invocation.
 */
export class PluginInstance {
  ctx!: CallContext;
  readonly exports: PluginExports;
  /** Guest address of the Asyncify save area for the current call. */
  asyncBuffer = 0;
  #state = NORMAL;
  #pending: Promise<unknown> | undefined;
  #value: unknown;

  /** Instantiates under `ctx`: a start function is guest code, watched like any other. */
  constructor(module: WebAssembly.Module, readonly asyncified: boolean, private readonly hb: Heartbeat, ctx: CallContext) {
    this.ctx = ctx;
    const env: HostEnv = { ctx: () => this.ctx };
    const wasmap: Record<string, HostFn> = {
      ...logImports(env),
      ...emitImports(env),
      ...tcpImports(env),
      ...udpImports(env),
      ...tlsImports(env),
      ...dnsImports(env),
    };
    for (const name of ASYNC_NAMES) wasmap[name] = this.#suspending(wasmap[name]!);
    const imports = {
      wasmap: this.#guarded(wasmap),
      wasi_snapshot_preview1: this.#guarded(wasiImports(env)),
      env: this.#guarded(envImports(env)),
    } as WebAssembly.Imports;
    hb.enter(ctx);
    try {
      this.exports = new WebAssembly.Instance(module, imports).exports as unknown as PluginExports;
    } finally {
      hb.leave();
    }
  }

  /**
   * After the host ended the invocation (ctx.fatal), every host call throws
   * that error again: a guest that caught it with `catch_all` gets no more
   * I/O and the invocation still ends with it.
   */
  #guarded(fns: Record<string, HostFn>): Record<string, HostFn> {
    const out: Record<string, HostFn> = {};
    for (const [name, fn] of Object.entries(fns)) {
      out[name] = (...args: never[]) => {
        const fatal = this.ctx.fatal;
        if (fatal) throw fatal;
        return fn(...args);
      };
    }
    return out;
  }

  get memory(): WebAssembly.Memory {
    return this.exports.memory;
  }

  #suspending(fn: HostFn): HostFn {
    return (...args: never[]) => {
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
      if (!this.asyncified) throw new PluginFault('waiting host call in a module that cannot be suspended');
      const d = new DataView(ex.memory.buffer);
      d.setUint32(this.asyncBuffer, this.asyncBuffer + 8, true);
      d.setUint32(this.asyncBuffer + 4, this.asyncBuffer + ASYNC_BUFFER, true);
      this.#pending = r;
      this.#state = UNWINDING;
      ex.asyncify_start_unwind!(this.asyncBuffer);
      return 0;
    };
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
      // A wait clamped to the wall time may finish just as it runs out: the wall wins.
      if (this.ctx.remainingMs() < 1) throw this.ctx.wallExceeded();
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
    this.hb.enter(this.ctx);
    try {
      return fn.apply(this.exports, args);
    } finally {
      this.hb.leave();
    }
  }
}
