import { channel } from 'node:diagnostics_channel';
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { Packr } from 'msgpackr';
import { WasmapError, type ErrorCode } from '../errors.js';
import type { AllowEntry } from './host/scope.js';
import { buildResult } from './result.js';
import type { InvocationResult, Limits, PluginManifest } from './types.js';
import { HB_BUDGET, HB_INVOCATION, HB_KIND, HB_SLOTS, HB_START, now, type FromWorker, type ToWorker, type WireInput, type WorkerInit } from './wire.js';

/**
 * The worker pool and its CPU watchdog. Each worker publishes in a
 * SharedArrayBuffer when its current synchronous guest stretch began, whose
 * it is and its budget; the main thread terminates a worker whose stretch
 * overran. The overrunning invocation fails with `sandbox.limit`; the
 * worker's other in-flight invocations are innocent and run again on
 * another worker.
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

interface PluginReg {
  pid: number;
  module: WebAssembly.Module;
  manifest: PluginManifest;
  limits: Limits;
  asyncified: boolean;
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
}

/** Tracing: `{ reason, limit?, invocation?, orphans }` each time a worker is stopped or dies. */
const workerDown = channel('wasmap:plugin:worker-down');

/**
 * An invocation is attempted at most this often. After an unexpected worker
 * death (not the watchdog's) the culprit is unknown, so every orphan counts
 * an attempt: a worker that keeps dying takes its neighbours' attempts too.
 */
const MAX_ATTEMPTS = 3;
const WATCH_INTERVAL_MS = 10;

export class WorkerPool {
  #slots: Slot[] = [];
  #plugins = new Map<number, PluginReg>();
  #nextId = 1;
  #watch: NodeJS.Timeout | undefined;
  #closed = false;
  /** Workers stopped by the watchdog so far (for tests and diagnostics). */
  kills = 0;
  /** Innocent invocations moved to another worker after their worker died. */
  reruns = 0;

  constructor(
    size: number,
    private readonly script: string | URL,
    private readonly allowNet: AllowEntry[],
  ) {
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn());
  }

  #spawn(): Slot {
    const sab = new SharedArrayBuffer(HB_SLOTS * 8);
    const init: WorkerInit = { heartbeat: sab, allowNet: this.allowNet };
    const worker = new Worker(this.script, { workerData: init });
    const slot: Slot = { worker, hb: new Float64Array(sab), inflight: new Map(), outbox: [], flushing: false, dead: false };
    worker.on('message', (batch: FromWorker[]) => this.#onMessages(slot, batch));
    worker.on('error', () => this.#onDeath(slot));
    worker.on('exit', () => this.#onDeath(slot));
    for (const p of this.#plugins.values()) this.#post(slot, { t: 'plugin', ...p });
    return slot;
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
  }

  drop(pid: number): void {
    this.#plugins.delete(pid);
    for (const s of this.#slots) this.#post(s, { t: 'drop', pid });
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
    let best: Slot | undefined;
    for (const s of this.#slots) if (!s.dead && (!best || s.inflight.size < best.inflight.size)) best = s;
    if (!best) return job.reject(new WasmapError('WASMAP_INTERNAL', 'no live worker'));
    job.attempts++;
    job.emits = [];
    best.inflight.set(job.id, job);
    this.#post(best, { t: 'invoke', id: job.id, pid: job.pid, configKey: job.configKey, input: job.input });
    this.#startWatch();
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
    for (const s of this.#slots) {
      if (s.dead) continue;
      if (s.inflight.size) busy = true;
      const start = s.hb[HB_START]!;
      if (start === 0) continue;
      const id = s.hb[HB_INVOCATION]!;
      const budget = s.hb[HB_BUDGET]!;
      const kind = s.hb[HB_KIND]!;
      // Re-read: if the stretch changed meanwhile, id/budget may not belong to it.
      if (now() - start > budget && s.hb[HB_START] === start) this.#kill(s, id, kind === 0 ? 'cpu_ms' : 'wall_ms', budget);
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
      const lim = limit === 'cpu_ms' ? `CPU time limit exceeded: ran ${Math.round(budget)} ms without waiting (cpu_ms)` : `wall time limit exceeded while computing (wall_ms)`;
      guilty.resolve(buildResult(guilty.manifest, undefined, guilty.emits, { error: lim, limit }, this.#stats(guilty), []));
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
    const orphans = [...slot.inflight.values()];
    slot.inflight.clear();
    if (workerDown.hasSubscribers && !this.#closed) workerDown.publish({ ...why, orphans: orphans.length });
    if (this.#closed) {
      for (const j of orphans) j.reject(new WasmapError('WASMAP_INTERNAL', 'plugin runtime is closed'));
      return;
    }
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots[i] = this.#spawn();
    for (const j of orphans) {
      if (j.attempts < MAX_ATTEMPTS) {
        this.reruns++;
        this.#dispatch(j);
      }
      else {
        // Probably the culprit itself (e.g. it crashed the worker's JS heap).
        const error = `the worker died ${j.attempts} times while running this invocation`;
        j.resolve(buildResult(j.manifest, undefined, j.emits, { error }, this.#stats(j), []));
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#watch) clearInterval(this.#watch);
    await Promise.all(
      this.#slots.map(async (s) => {
        await s.worker.terminate();
        this.#onDeath(s);
      }),
    );
  }
}

const fingerprintPackr = new Packr({ useRecords: false, variableMapSize: true });

/** Byte-exact identity of an emitted map (bins included), to recognise a replayed emit. */
function fingerprint(rec: Record<string, unknown>): string {
  return createHash('sha1').update(fingerprintPackr.pack(rec)).digest('hex');
}
