import { parentPort, workerData } from 'node:worker_threads';
import { Admission, type Entrant } from './admission.js';
import { CallContext } from './call-context.js';
import { kernelThreadId } from './cpu-clock.js';
import { LONG_MS } from './cpu-share.js';
import { HandleTable } from './host/handles.js';
import { Scope } from './host/scope.js';
import { HostTable } from './host/table.js';
import { BrowserClient } from './host/browser.js';
import { ASYNC_BUFFER, PluginInstance, type Heartbeat } from './instance.js';
import { decodeBounded, encode } from './msgpack.js';
import { isMap } from '../model/is-map.js';
import { buildResult, type Ending } from './result.js';
import { endingOf, OutputInvalid, PluginFault } from './traps.js';
import type { Limits, PluginManifest } from './types.js';
import { PAGE } from './memory-budget.js';
import { HB_BUDGET, HB_DEADLINE, HB_INVOCATION, HB_KIND, HB_LONG, HB_MEM_PAGES, HB_START, HB_TID, type FromWorker, type ToWorker, type WireInput, type WorkerInit } from './wire.js';

/**
 * Worker side of the pool: hosts many guest instances on one event loop.
 * Each invocation gets a fresh CallContext and a pooled instance of its
 * plugin (same config); an instance that failed in any way is discarded.
 */

const port = parentPort!;
const init = workerData as WorkerInit;
const hbv = new Float64Array(init.heartbeat);
const scope = new Scope(init.allowNet);
/** The host functions, built once for every instance of this worker. */
const host = new HostTable(init.browser && new BrowserClient(init.browser));
/** Idle instances kept per plugin and config. */
const MAX_IDLE = 64;
/**
 * Idle instances hold their whole linear memory: of those that grew past
 * this, only one per plugin and config is kept (a plugin that builds a large
 * table once, like service-simple with a user's nmap database, keeps it),
 * and all idle instances of a worker stay under IDLE_BYTES_MAX.
 */
const IDLE_INSTANCE_BYTES_MAX = 16 << 20;
const IDLE_BYTES_MAX = 256 << 20;
let idleBytes = 0;
const idleSize = new WeakMap<PluginInstance, number>();

// The watchdog reads this thread's CPU clock (cpu-clock.ts).
hbv[HB_TID] = kernelThreadId();
/** CPU turns and the memory budget (admission.ts): invocations hold charges; idle instances count as their size. */
const gates = new Admission<Registered>(init.memory, (pages) => (hbv[HB_MEM_PAGES] = pages), evictIdle);
/** Live invocations by id (a number key: no per-invocation object hashing on the hot path). */
const running = new Map<number, Entrant<Registered>>();
const timeOrigin = performance.timeOrigin;
let stretchAt = 0;
let stretchOf: CallContext | undefined;
const pagesOf = (inst: PluginInstance): number => inst.memory.buffer.byteLength / PAGE;

const heartbeat: Heartbeat = {
  enter(ctx) {
    const { budget, kind, deadline } = ctx.stretch();
    hbv[HB_INVOCATION] = ctx.id;
    hbv[HB_BUDGET] = budget;
    hbv[HB_KIND] = kind === 'cpu_ms' ? 0 : 1;
    hbv[HB_DEADLINE] = deadline === 0 ? 0 : timeOrigin + deadline;
    stretchOf = ctx;
    stretchAt = performance.now();
    hbv[HB_START] = timeOrigin + stretchAt;
  },
  leave() {
    const start = hbv[HB_START];
    hbv[HB_START] = 0;
    // Only stretches the watchdog saw run LONG_MS are timed: no clock read on the hot path.
    if (hbv[HB_LONG] !== start || !stretchOf) return;
    const ms = performance.now() - stretchAt;
    const e = ms >= LONG_MS ? running.get(stretchOf.id) : undefined;
    if (e) gates.cpu.ran(e.plugin, ms);
  },
  park(inst) {
    const e = running.get(inst.ctx.id);
    if (e) gates.memory.settle(e, pagesOf(inst));
  },
  resume(inst) {
    const e = running.get(inst.ctx.id);
    return e && gates.before(e, e.plugin.memoryPages);
  },
};

interface Registered {
  module: WebAssembly.Module;
  manifest: PluginManifest;
  limits: Limits;
  asyncified: boolean;
  memoryPages: number;
  idle: Map<string, PluginInstance[]>;
}
const plugins = new Map<number, Registered>();

let outbox: FromWorker[] = [];
let flushing = false;
function send(m: FromWorker, now = false): void {
  if (m.t !== 'emit') ended(m.id);
  outbox.push(m);
  // Emits go at once: if the guest then spins until the watchdog stops this
  // worker, they are still kept (ABI §4).
  if (now) return flush();
  if (!flushing) {
    flushing = true;
    setImmediate(flush);
  }
}
function flush(): void {
  flushing = false;
  if (outbox.length === 0) return;
  const batch = outbox;
  outbox = [];
  port.postMessage(batch);
}

/** A new instance, initialised; synchronous unless wasmap_init waits. */
function createInstance(p: Registered, ctx: CallContext, config: Record<string, unknown>): PluginInstance | Promise<PluginInstance> {
  const inst = new PluginInstance(p.module, p.asyncified, heartbeat, host, ctx);
  ctx.memory = inst.memory;
  const ex = inst.exports;
  if (ex._initialize) inst.callSync(ex._initialize);
  if (!ex.wasmap_init) return inst;
  const cfg = encode(config);
  const ptr = alloc(inst, cfg);
  const check = (rc: number): PluginInstance => {
    if (rc !== 0) throw new PluginFault(`wasmap_init refused the config (returned ${rc})`, 'sandbox.plugin.init_refused');
    return inst;
  };
  const rc = inst.call(ex.wasmap_init, ptr, cfg.length);
  return rc instanceof Promise ? rc.then(check) : check(rc);
}

/** Writes `data` through the guest allocator; the Asyncify area follows it. */
function alloc(inst: PluginInstance, data: Uint8Array): number {
  const extra = inst.asyncified ? ASYNC_BUFFER + 16 : 0;
  const ptr = inst.callSync(inst.exports.wasmap_alloc, data.length + extra) >>> 0;
  if (ptr === 0) throw new PluginFault('wasmap_alloc returned 0 (out of memory)');
  if (!inst.ctx.write(ptr, data) || (extra && !inst.ctx.view(ptr, data.length + extra)))
    throw new PluginFault(`wasmap_alloc returned ${ptr}, outside memory`);
  inst.asyncBuffer = ((ptr + data.length + 7) & ~7) >>> 0;
  return ptr;
}

/**
 * Runs one invocation. Synchronous from start to end for a guest that does
 * not wait (the common detection case): no promise, no microtask hop, and
 * the instance is back in the idle pool before the next message is read.
 */
function invoke(m: Extract<ToWorker, { t: 'invoke' }>): void {
  const p = plugins.get(m.pid);
  if (!p) throw new Error(`unknown plugin ${m.pid}`);
  const input: WireInput = m.input;
  const ctx = new CallContext(m.id, p.manifest, p.limits, input.target, scope, new HandleTable(), (rec) =>
    send({ t: 'emit', id: m.id, rec }, true),
  );
  const entrant: Entrant<Registered> = { ctx, plugin: p, pages: 0, ended: false };
  running.set(m.id, entrant);
  const st: RunState = { p, m, ctx, inst: takeIdle(p, m.configKey, entrant), ptr: 0, allocLen: 0 };
  let gate: Promise<void> | undefined;
  try {
    gate = gates.before(entrant, p.memoryPages);
  } catch (e) {
    return finish(st, undefined, e);
  }
  if (gate) gate.then(() => begin(st), (e: unknown) => finish(st, undefined, e));
  else begin(st);
}

/** Runs an invocation that has its CPU turn and memory: on an idle instance, or a new one. */
function begin(st: RunState): void {
  const { p, ctx } = st;
  const input: WireInput = st.m.input;
  try {
    if (st.inst) {
      st.inst.ctx = ctx;
      ctx.memory = st.inst.memory;
      return afterRun(st, start(st));
    }
    const made = createInstance(p, ctx, input.config);
    if (made instanceof Promise) {
      made.then(
        (inst) => {
          st.inst = inst;
          try {
            afterRun(st, start(st));
          } catch (e) {
            finish(st, undefined, e);
          }
        },
        (e: unknown) => finish(st, undefined, e),
      );
      return;
    }
    st.inst = made;
    afterRun(st, start(st));
  } catch (e) {
    finish(st, undefined, e);
  }
}

interface RunState {
  p: Registered;
  m: Extract<ToWorker, { t: 'invoke' }>;
  ctx: CallContext;
  inst: PluginInstance | undefined;
  ptr: number;
  allocLen: number;
}

function start(st: RunState): bigint | Promise<bigint> {
  const inst = st.inst!;
  const input = st.m.input;
  const bytes = input.bytes;
  st.ptr = alloc(inst, bytes);
  st.allocLen = bytes.length + (inst.asyncified ? ASYNC_BUFFER + 16 : 0);
  return inst.call(inst.exports.wasmap_run, st.ptr, bytes.length);
}

function afterRun(st: RunState, ret: bigint | Promise<bigint>): void {
  if (ret instanceof Promise) {
    ret.then(
      (r) => finish(st, r, undefined),
      (e: unknown) => finish(st, undefined, e),
    );
  } else finish(st, ret, undefined);
}

/** Reads the output, releases the instance and reports the result. */
function finish(st: RunState, ret: unknown, err: unknown): void {
  const { ctx, inst, p, m } = st;
  let output: Record<string, unknown> | undefined;
  let end: Ending | undefined;
  let healthy = false;
  try {
    if (err !== undefined) throw err;
    if (ctx.fatal) throw ctx.fatal; // the guest caught the host's error (catch_all) and returned
    if (typeof ret !== 'bigint') throw new PluginFault('wasmap_run did not return an i64');
    const packed = BigInt.asUintN(64, ret);
    if (packed !== 0n) {
      const outPtr = Number(packed >> 32n);
      const outLen = Number(packed & 0xffffffffn);
      const view = ctx.view(outPtr, outLen);
      if (!view) throw new OutputInvalid(`output [${outPtr}, ${outPtr + outLen}) lies outside memory (${inst!.memory.buffer.byteLength} bytes)`);
      ctx.chargeOutput(outLen);
      const decoded = decodeBounded(view, { maxBytes: ctx.limits.output_bytes, maxDepth: 32, maxItems: 1 << 20 });
      if (!isMap(decoded)) throw new OutputInvalid('output is not a msgpack map');
      output = decoded;
    }
    const ex = inst!.exports;
    if (ex.wasmap_free) inst!.callSync(ex.wasmap_free, st.ptr, st.allocLen);
    healthy = true;
  } catch (e) {
    end = endingOf(e);
  } finally {
    ctx.finish();
  }
  if (inst) release(p, m.configKey, inst, healthy);
  const sandbox = {
    duration_ms: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000,
    denied: ctx.denied,
    ...(ctx.denials.length ? { denials: ctx.denials } : {}),
    bytes_sent: ctx.bytesSent,
    bytes_received: ctx.bytesReceived,
    ...(ctx.logsDropped ? { logs_dropped: ctx.logsDropped } : {}),
    ...(ctx.connects ? { connects: ctx.connects } : {}),
    ...(ctx.sends ? { sends: ctx.sends } : {}),
    ...(ctx.logLines ? { log_lines: ctx.logLines } : {}),
    ...(ctx.emitted.length ? { emits: ctx.emitted.length } : {}),
  };
  const result = buildResult(p.manifest, output, ctx.emitted, end, sandbox, ctx.logs);
  result.emitted = [];
  send({ t: 'done', id: m.id, result });
}

/** An idle instance for invocation `e`, whose charge takes over the instance's pages. */
function takeIdle(p: Registered, key: string, e: Entrant<Registered>): PluginInstance | undefined {
  const inst = p.idle.get(key)?.pop();
  if (inst) {
    const size = idleSize.get(inst) ?? 0;
    idleBytes -= size;
    e.pages = size / PAGE;
    inst.ctx = e.ctx;
  }
  return inst;
}

function release(p: Registered, key: string, inst: PluginInstance, healthy: boolean): void {
  let list = p.idle.get(key);
  const size = inst.memory.buffer.byteLength;
  const large = size > IDLE_INSTANCE_BYTES_MAX;
  const keep = large ? !(list ?? []).some((i) => (idleSize.get(i) ?? 0) > IDLE_INSTANCE_BYTES_MAX) : (list?.length ?? 0) < MAX_IDLE;
  // An instance kept idle while another invocation waits for memory would hold what it waits for.
  if (healthy && keep && idleBytes + size <= IDLE_BYTES_MAX && !gates.memory.waiting) {
    if (!list) p.idle.set(key, (list = []));
    list.push(inst);
    idleSize.set(inst, size);
    idleBytes += size;
    // Idle, the instance is counted as what its memory holds; the invocation hands those pages over.
    const e = running.get(inst.ctx.id);
    if (e) {
      gates.memory.settle(e, size / PAGE);
      e.pages = 0;
    }
    return;
  }
  if (healthy && inst.exports.wasmap_cleanup) {
    try {
      inst.callSync(inst.exports.wasmap_cleanup);
    } catch {
      /* dropped anyway */
    }
  }
  const e = running.get(inst.ctx.id);
  if (e) gates.memory.release(e);
}

/** The invocation is over (its result or failure is being sent): it waits for nothing and holds nothing. */
function ended(id: number): void {
  const e = running.get(id);
  if (!e) return;
  running.delete(id);
  gates.ended(e);
}

/**
 * Drops every idle instance (without wasmap_cleanup: guest code could grow
 * memory the budget does not have) when memory is short; true if any.
 */
function evictIdle(): boolean {
  const dropped: PluginInstance[] = [];
  for (const p of plugins.values()) for (const list of p.idle.values()) dropped.push(...list.splice(0));
  let bytes = 0;
  for (const inst of dropped) bytes += idleSize.get(inst) ?? 0;
  idleBytes -= bytes;
  gates.memory.give(bytes / PAGE);
  return dropped.length > 0;
}

// Host code never leaves a rejection unhandled on purpose; if one slips
// through, say so instead of letting it stop the worker and its sessions.
process.on('unhandledRejection', (e) => {
  process.stderr.write(`wasmap sandbox worker: unhandled rejection: ${(e as Error)?.stack ?? String(e)}\n`);
});

port.on('message', (batch: ToWorker[]) => {
  for (const m of batch) {
    if (m.t === 'plugin') plugins.set(m.pid, { module: m.module, manifest: m.manifest, limits: m.limits, asyncified: m.asyncified, memoryPages: m.memoryPages, idle: new Map() });
    else if (m.t === 'drop') {
      const p = plugins.get(m.pid);
      for (const list of p?.idle.values() ?? []) for (const i of list) {
        idleBytes -= idleSize.get(i) ?? 0;
        gates.memory.give((idleSize.get(i) ?? 0) / PAGE);
      }
      if (p) gates.cpu.forget(p);
      plugins.delete(m.pid);
    }
    else {
      try {
        invoke(m);
      } catch (e) {
        send({ t: 'fatal', id: m.id, error: { code: 'WASMAP_INTERNAL', message: `invocation ${m.id}: ${(e as Error).message}` } });
      }
    }
  }
});
