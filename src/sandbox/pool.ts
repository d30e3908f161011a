import { channel } from 'node:diagnostics_channel';
import { MessageChannel, Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { Packr } from 'msgpackr';
import { WasmapError, type ErrorCode } from '../errors.js';
import type { AllowEntry } from './host/scope.js';
import { BrowserService } from './browser/service.js';
import { StretchMeter } from './cpu-clock.js';
import { LONG_MS } from './cpu-share.js';
import { MEM_PEAK, MEM_SLOTS, MEM_USED, PAGE, releasePool } from './memory-budget.js';
import { Quarantine } from './quarantine.js';
import { buildResult } from './result.js';
import { limitCode } from './traps.js';
import type { InvocationResult, Limits, PluginManifest } from './types.js';
import { HB_BUDGET, HB_DEADLINE, HB_INVOCATION, HB_KIND, HB_LONG, HB_MEM_PAGES, HB_SLOTS, HB_START, HB_TID, now, type FromWorker, type ToWorker, type WireInput, type WorkerInit } from './wire.js';

/**
 * The worker pool and its CPU watchdog. Each worker publishes in a
 * SharedArrayBuffer when its current synchronous guest stretch began, whose
 * it is and its budgets; the main thread terminates a worker whose stretch
 * used more CPU time than `cpu_ms` (read from the worker thread's own clock,
 * see cpu-clock.ts) or ran past the invocation's wall time. The overrunning
 * invocation fails with `sandbox.limit`; the worker's other in-flight
 * invocations are innocent and run again on another worker without counting
 * an attempt. Blame and quarantine: quarantine.ts.
 *
 * No result is lost or duplicated: a job leaves `inflight` exactly once
 * (done, guilty, or moved). Emits are handed to the caller as they arrive
 * (ABI: emitted results are kept even if the invocation later fails). When an
 * innocent invocation runs again after its worker was stopped, the re-run's
 * first emits replay the ones already delivered: each is compared with what
 * was delivered at that position and skipped when identical, so a
 * deterministic plugin never delivers an emit twice; a re-run that emits
 * something different is delivered, as it is new information.
 */

export interface PluginReg {
  pid: number;
  module: WebAssembly.Module;
  manifest: PluginManifest;
  limits: Limits;
  asyncified: boolean;
  /** The most the plugin's memory can grow to, in 64 KiB pages. */
  memoryPages: number;
}

/** Plugin memory budgets (memory-budget.ts), in 64 KiB pages. */
export interface PoolMemory {
  totalPages: number;
  workerPages: number;
}

interface Job {
  id: number;
  pid: number;
  configKey: string;
  input: WireInput;
  manifest: PluginManifest;
  startedAt: number;
  attempts: number;
  emits: Record<string, unknown>[];
  /** fingerprints of the emits already handed to `onEmit`, in order, across attempts */
  delivered: string[];
  onEmit: ((r: Record<string, unknown>) => void) | undefined;
  resolve(r: InvocationResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  hb: Float64Array;
  inflight: Map<number, Job>;
  outbox: ToWorker[];
  flushing: boolean;
  dead: boolean;
  /** The plugin this worker is dedicated to (quarantine or probation). */
  lane: number | undefined;
  meter: StretchMeter;
  /** Whether the worker's memory pages went back to the pool-wide count. */
  released: boolean;
}

/**
 * Tracing: `{ reason, limit?, invocation?, orphans, lane? }` each time a
 * worker is stopped or dies (`lane`: the plugin it was dedicated to);
 * `{ plugin, mode }` when a plugin is quarantined or put on probation.
 */
const workerDown = channel('wasmap:plugin:worker-down');
const isolated = channel('wasmap:plugin:quarantine');

/**
 * An invocation fails alone once workers died under it this often while
 * its own plugin was to blame (quarantine.ts).
 */
const MAX_ATTEMPTS = 3;
const WATCH_INTERVAL_MS = 10;
/** Workers dedicated to single plugins (quarantine, probation) at most; past it a quarantined plugin is refused. */
const MAX_LANES = 8;

export class WorkerPool {
  #slots: Slot[] = [];
  #lanes = new Map<number, Slot>();
  #plugins = new Map<number, PluginReg>();
  #quarantine = new Quarantine();
  #nextId = 1;
  #watch: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #memory: Int32Array;
  /** Headless Chromium for the `browse` host call (A12): launched on first use, closed with the pool. */
  readonly #browser = new BrowserService();
  /** Workers stopped by the watchdog so far (for tests and diagnostics). */
  kills = 0;
  /** Innocent invocations moved to another worker after their worker died. */
  reruns = 0;

  constructor(
    size: number,
    private readonly script: string | URL,
    private readonly allowNet: AllowEntry[],
    readonly memory: PoolMemory = { totalPages: 2 ** 31 - 1, workerPages: 2 ** 31 - 1 },
  ) {
    this.#memory = new Int32Array(new SharedArrayBuffer(MEM_SLOTS * 4));
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn(undefined));
  }

  #spawn(lane: number | undefined): Slot {
    const sab = new SharedArrayBuffer(HB_SLOTS * 8);
    const browser = new MessageChannel();
    this.#browser.attach(browser.port1);
    const init: WorkerInit = {
      heartbeat: sab,
      allowNet: this.allowNet,
      memory: { shared: this.#memory.buffer as SharedArrayBuffer, workerPages: this.memory.workerPages, totalPages: this.memory.totalPages },
      browser: browser.port2,
    };
    const worker = new Worker(this.script, { workerData: init, transferList: [browser.port2] });
    const slot: Slot = { worker, hb: new Float64Array(sab), inflight: new Map(), outbox: [], flushing: false, dead: false, lane, meter: new StretchMeter(), released: false };
    worker.on('message', (batch: FromWorker[]) => this.#onMessages(slot, batch));
    worker.on('error', () => this.#onDeath(slot));
    worker.on('exit', () => {
      this.#release(slot);
      this.#onDeath(slot);
    });
    for (const p of this.#plugins.values()) if (lane === undefined || p.pid === lane) this.#post(slot, { t: 'plugin', ...p });
    return slot;
  }

  /** A worker that exited holds no memory: its pages go back to the pool-wide count. */
  #release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    releasePool(this.#memory, slot.hb[HB_MEM_PAGES]!);
  }

  /** Plugin memory charged now and at most so far, in bytes (memory-budget.ts). */
  memoryUse(): { usedBytes: number; peakBytes: number } {
    return { usedBytes: Atomics.load(this.#memory, MEM_USED) * PAGE, peakBytes: Atomics.load(this.#memory, MEM_PEAK) * PAGE };
  }

  /** Names of the plugins quarantined so far. */
  quarantined(): string[] {
    return this.#quarantine.quarantined().flatMap((pid) => {
      const p = this.#plugins.get(pid);
      return p ? [p.manifest.name] : [];
    });
  }

  *#allSlots(): Iterable<Slot> {
    yield* this.#slots;
    yield* this.#lanes.values();
  }

  #post(slot: Slot, m: ToWorker): void {
    slot.outbox.push(m);
    if (!slot.flushing) {
      slot.flushing = true;
      setImmediate(() => {
        slot.flushing = false;
        const batch = slot.outbox;
        slot.outbox = [];
        if (!slot.dead && batch.length) slot.worker.postMessage(batch);
      });
    }
  }

  register(p: PluginReg): void {
    this.#plugins.set(p.pid, p);
    for (const s of this.#slots) this.#post(s, { t: 'plugin', ...p });
    const lane = this.#lanes.get(p.pid);
    if (lane) this.#post(lane, { t: 'plugin', ...p });
  }

  drop(pid: number): void {
    this.#plugins.delete(pid);
    for (const s of this.#slots) this.#post(s, { t: 'drop', pid });
    const lane = this.#lanes.get(pid);
    if (lane && lane.inflight.size === 0) this.#retire(lane);
    else if (lane) this.#post(lane, { t: 'drop', pid }); // retired once its last invocation ends
  }

  run(pid: number, manifest: PluginManifest, configKey: string, input: WireInput, onEmit?: (r: Record<string, unknown>) => void): Promise<{ result: InvocationResult; emits: Record<string, unknown>[] }> {
    if (this.#closed) return Promise.reject(new WasmapError('WASMAP_INTERNAL', 'plugin runtime is closed'));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.#nextId++,
        pid,
        configKey,
        input,
        manifest,
        startedAt: performance.now(),
        attempts: 0,
        emits: [],
        delivered: [],
        onEmit,
        resolve: (result) => resolve({ result, emits: job.emits }),
        reject,
      };
      this.#dispatch(job);
    });
  }

  #dispatch(job: Job): void {
    const refused = this.#quarantine.refusal(job.pid);
    if (refused) return job.resolve(buildResult(job.manifest, undefined, job.emits, refused, this.#stats(job), []));
    let best: Slot | undefined;
    const mode = this.#quarantine.mode(job.pid);
    if (mode !== 'shared') {
      best = this.#lane(job.pid);
      if (!best && mode === 'quarantine') {
        const error = 'quarantined: this plugin stopped a worker, and no worker is left to dedicate to it; its invocations are refused';
        return job.resolve(buildResult(job.manifest, undefined, job.emits, { error, code: 'sandbox.quarantined' }, this.#stats(job), []));
      }
    }
    if (!best) for (const s of this.#slots) if (!s.dead && (!best || s.inflight.size < best.inflight.size)) best = s;
    if (!best) return job.reject(new WasmapError('WASMAP_INTERNAL', 'no live worker'));
    job.emits = [];
    best.inflight.set(job.id, job);
    this.#post(best, { t: 'invoke', id: job.id, pid: job.pid, configKey: job.configKey, input: job.input });
    this.#startWatch();
  }

  /** The worker dedicated to `pid`, started when needed; undefined when MAX_LANES are in use. */
  #lane(pid: number): Slot | undefined {
    let lane = this.#lanes.get(pid);
    if (lane && !lane.dead) return lane;
    if (this.#lanes.size >= MAX_LANES) return undefined;
    lane = this.#spawn(pid);
    this.#lanes.set(pid, lane);
    return lane;
  }

  /** Stops a dedicated worker that ran out of work: its probation is over, or its plugin was dropped. */
  #retire(slot: Slot): void {
    const pid = slot.lane!;
    this.#quarantine.cleared(pid);
    slot.dead = true;
    slot.meter.close();
    this.#lanes.delete(pid);
    void slot.worker.terminate();
  }

  #isolate(pid: number, before: string): void {
    const mode = this.#quarantine.mode(pid);
    if (mode !== before && isolated.hasSubscribers) isolated.publish({ plugin: this.#plugins.get(pid)?.manifest.name, mode });
  }

  #onMessages(slot: Slot, batch: FromWorker[]): void {
    for (const m of batch) {
      const job = slot.inflight.get(m.id);
      if (!job) continue; // a late message from an attempt that was moved
      if (m.t === 'emit') this.#emit(job, m.rec);
      else {
        slot.inflight.delete(m.id);
        if (m.t === 'done') {
          m.result.emitted = job.emits;
          job.resolve(m.result);
        } else job.reject(new WasmapError(m.error.code as ErrorCode, m.error.message));
      }
    }
    const lane = slot.lane;
    if (lane !== undefined && slot.inflight.size === 0 && !slot.dead && (this.#quarantine.mode(lane) === 'probation' || !this.#plugins.has(lane))) this.#retire(slot);
  }

  #emit(job: Job, rec: Record<string, unknown>): void {
    const at = job.emits.length;
    job.emits.push(rec);
    if (!job.onEmit) return;
    const print = fingerprint(rec);
    if (at < job.delivered.length && job.delivered[at] === print) return; // a re-run replaying what was delivered
    if (at >= job.delivered.length) job.delivered.push(print);
    else job.delivered[at] = print;
    job.onEmit(rec);
  }

  #startWatch(): void {
    if (this.#watch) return;
    this.#watch = setInterval(() => this.#check(), WATCH_INTERVAL_MS);
    this.#watch.unref();
  }

  #check(): void {
    let busy = false;
    for (const s of this.#allSlots()) {
      if (s.dead) continue;
      if (s.inflight.size) busy = true;
      const start = s.hb[HB_START]!;
      if (start === 0) continue;
      const id = s.hb[HB_INVOCATION]!;
      const budget = s.hb[HB_BUDGET]!;
      const kind = s.hb[HB_KIND]!;
      const deadline = s.hb[HB_DEADLINE]!;
      const t = now();
      if (t - start >= LONG_MS) s.hb[HB_LONG] = start; // the worker times this one (fair turns)
      let limit: 'cpu_ms' | 'wall_ms' | undefined;
      if (kind !== 0) limit = t - start > budget ? 'wall_ms' : undefined;
      else if (deadline > 0 && t > deadline) limit = 'wall_ms';
      else if (s.meter.used(s.hb[HB_TID]!, start, t, budget) > budget) limit = 'cpu_ms';
      // Re-read: if the stretch changed meanwhile, id/budget may not belong to it.
      if (limit && s.hb[HB_START] === start) this.#kill(s, id, limit, budget);
    }
    if (!busy && this.#watch) {
      clearInterval(this.#watch);
      this.#watch = undefined;
    }
  }

  #kill(slot: Slot, guiltyId: number, limit: 'cpu_ms' | 'wall_ms', budget: number): void {
    this.kills++;
    const guilty = slot.inflight.get(guiltyId);
    if (guilty) {
      slot.inflight.delete(guiltyId);
      const mode = this.#quarantine.mode(guilty.pid);
      this.#quarantine.struck(guilty.pid, limit);
      this.#isolate(guilty.pid, mode);
      const lim = limit === 'cpu_ms' ? `CPU time limit exceeded: ran ${Math.round(budget)} ms without waiting (cpu_ms)` : `wall time limit exceeded while computing (wall_ms)`;
      guilty.resolve(buildResult(guilty.manifest, undefined, guilty.emits, { error: lim, limit, code: limitCode(limit) }, this.#stats(guilty), []));
    }
    void slot.worker.terminate();
    this.#onDeath(slot, { reason: 'watchdog', limit, invocation: guiltyId });
  }

  /** Counters of an attempt whose worker is gone (its own counters died with it). */
  #stats(j: Job): InvocationResult['sandbox'] {
    return { duration_ms: Math.round((performance.now() - j.startedAt) * 1000) / 1000, denied: 0, bytes_sent: 0, bytes_received: 0 };
  }

  /** A worker ended: replace it and run its in-flight work elsewhere. */
  #onDeath(slot: Slot, why: { reason: string; limit?: string; invocation?: number } = { reason: 'exit' }): void {
    if (slot.dead) return;
    slot.dead = true;
    slot.meter.close();
    const orphans = [...slot.inflight.values()];
    slot.inflight.clear();
    if (workerDown.hasSubscribers && !this.#closed) {
      const lane = slot.lane === undefined ? {} : { lane: this.#plugins.get(slot.lane)?.manifest.name };
      workerDown.publish({ ...why, orphans: orphans.length, ...lane });
    }
    if (this.#closed) {
      for (const j of orphans) j.reject(new WasmapError('WASMAP_INTERNAL', 'plugin runtime is closed'));
      return;
    }
    if (slot.lane === undefined) {
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots[i] = this.#spawn(undefined);
    } else if (this.#lanes.get(slot.lane) === slot) this.#lanes.delete(slot.lane); // started again when needed
    // The watchdog named the culprit (already failed); otherwise blame per plugin.
    let culprit: number | undefined;
    if (why.reason !== 'watchdog' && orphans.length) {
      const pids = new Set(orphans.map((j) => j.pid));
      const before = new Map([...pids].map((pid) => [pid, this.#quarantine.mode(pid)]));
      culprit = this.#quarantine.died(pids, slot.lane);
      for (const [pid, mode] of before) this.#isolate(pid, mode);
    }
    for (const j of orphans) {
      if (j.pid === culprit) j.attempts++;
      if (j.attempts < MAX_ATTEMPTS) {
        this.reruns++;
        this.#dispatch(j);
      } else {
        const error = `the worker died ${j.attempts} times while running this invocation`;
        j.resolve(buildResult(j.manifest, undefined, j.emits, { error, code: 'sandbox.worker.died' }, this.#stats(j), []));
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#watch) clearInterval(this.#watch);
    await Promise.all(
      [...this.#allSlots()].map(async (s) => {
        await s.worker.terminate();
        this.#onDeath(s);
      }),
    );
    await this.#browser.close();
  }
}

const fingerprintPackr = new Packr({ useRecords: false, variableMapSize: true });

/** Byte-exact identity of an emitted map (bins included), to recognise a replayed emit. */
function fingerprint(rec: Record<string, unknown>): string {
  return createHash('sha1').update(fingerprintPackr.pack(rec)).digest('hex');
}
