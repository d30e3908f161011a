import type { CallContext } from '../call-context.js';
import { ASYNC_IMPORTS } from '../linker.js';
import { wasiImports } from '../wasi.js';
import { browserImports, type BrowserClient } from './browser.js';
import { dnsImports } from './dns.js';
import { emitImports } from './emit.js';
import type { HostEnv } from './env.js';
import { envImports, logImports } from './log.js';
import { tcpImports } from './tcp.js';
import { tlsImports } from './tls.js';
import { udpImports } from './udp.js';

export type HostFn = (...args: never[]) => unknown;

/** The guest instance a host call comes from (instance.ts PluginInstance). */
export interface HostCaller {
  readonly ctx: CallContext;
  /** Runs `fn`, a host call that may wait: a Promise it returns suspends the guest (Asyncify). */
  suspending(fn: HostFn, args: never[]): unknown;
}

const ASYNC_NAMES = new Set(ASYNC_IMPORTS.map((n) => n.slice('wasmap.'.length)));

/**
 * The imports object of a worker, built once and shared by every instance
 * it creates (wasmtime's Linker: host functions hold no per-instance state).
 * A worker's thread runs one guest stretch at a time, so the caller of a
 * host function is the instance whose stretch is running: PluginInstance
 * sets it around every stretch (`enter`/`leave`), instantiation included,
 * and the functions read it through `caller()`. A host call that waits
 * takes its CallContext when it starts, not when its wait ends.
 */
export class HostTable {
  readonly imports: WebAssembly.Imports;
  #caller: HostCaller | undefined;

  /** `browser`: the worker's end of the pool's browser service (A12), absent outside a pool. */
  constructor(browser?: BrowserClient) {
    const env: HostEnv = { ctx: () => this.caller().ctx };
    const wasmap: Record<string, HostFn> = {
      ...logImports(env),
      ...emitImports(env),
      ...tcpImports(env),
      ...udpImports(env),
      ...tlsImports(env),
      ...dnsImports(env),
      ...browserImports(env, browser),
    };
    this.imports = {
      wasmap: this.#guarded(wasmap, ASYNC_NAMES),
      wasi_snapshot_preview1: this.#guarded(wasiImports(env)),
      env: this.#guarded(envImports(env)),
    };
  }

  /** The instance whose guest code is running now. */
  caller(): HostCaller {
    const c = this.#caller;
    if (!c) throw new Error('host function called outside a guest stretch');
    return c;
  }

  /** `c` starts running guest code; returns the caller to restore with `leave`. */
  enter(c: HostCaller): HostCaller | undefined {
    const prev = this.#caller;
    this.#caller = c;
    return prev;
  }

  leave(prev: HostCaller | undefined): void {
    this.#caller = prev;
  }

  /**
   * After the host ended the invocation (ctx.fatal), every host call throws
   * that error again: a guest that caught it with `catch_all` gets no more
   * I/O and the invocation still ends with it. Waiting calls go through the
   * caller's Asyncify driver.
   */
  #guarded(fns: Record<string, HostFn>, waiting: ReadonlySet<string> = new Set()): Record<string, HostFn> {
    const out: Record<string, HostFn> = {};
    for (const [name, fn] of Object.entries(fns)) {
      const waits = waiting.has(name);
      out[name] = (...args: never[]) => {
        const c = this.caller();
        const fatal = c.ctx.fatal;
        if (fatal) throw fatal;
        return waits ? c.suspending(fn, args) : fn(...args);
      };
    }
    return out;
  }
}
