/**
 * The TCP connect scanner: shards a keyed probe permutation across worker
 * threads (one per core; each runs its own event loop of raw connects) and
 * merges their results. Results stream to `onResult` as they arrive; `stop()`
 * makes every worker flush what it found and end.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { TargetSet, HostRef } from '../targets/target-set.js';
import { workerUrl } from '../worker-url.js';
import type { Outcome } from './connect-outcome.js';
import type { ConnectJob, WorkerMessage } from './connect-job.js';
import { runShard } from './shard-runner.js';
import { preferredConnector, type ConnectorKind } from './tcp-connect.js';

export interface ConnectScanOptions {
  targets: TargetSet;
  ports: number[];
  seed: bigint;
  concurrency: number;
  /** probes per second in all; 0 = unlimited */
  rate: number;
  timeoutMs: number;
  retries: number;
  /** threads; 0 = run on the calling thread; default: one per core, fewer for small scans */
  workers?: number;
  /** outcomes delivered to onResult; the rest are only counted */
  report: Outcome[];
  /** stop probing a host once one of its probes was reported (host discovery needs one answer) */
  oneAnswerPerHost?: boolean;
}

export interface ConnectResult {
  host: HostRef;
  hostIndex: number;
  port: number;
  outcome: Outcome;
  rttMs: number;
}

export interface ConnectScanStats {
  /** probes that reached a final state */
  completed: number;
  /** which connector the probes ran on (tcp-connect.ts); empty when nothing was probed */
  connector: ConnectorKind | '';
}

/** Below this many probes per worker, another worker costs more than it saves. */
const PROBES_PER_WORKER = 4096;

export class ConnectScan {
  readonly total: number;
  private readonly workers: Worker[] = [];
  private readonly progressBuf: SharedArrayBuffer;
  private readonly progressView: Float64Array;
  private stopped = false;
  private readonly nWorkers: number;
  /** small scans run on this thread: a worker costs ~30 ms to start */
  private readonly inProcess: boolean;
  private stopLocal: (() => void) | undefined;

  constructor(private readonly opts: ConnectScanOptions) {
    this.total = opts.targets.size * opts.ports.length;
    const want = opts.workers ?? availableParallelism();
    this.nWorkers = Math.max(1, Math.min(want, Math.ceil(this.total / PROBES_PER_WORKER), opts.concurrency));
    this.inProcess = opts.workers === 0 || (this.nWorkers === 1 && this.total < PROBES_PER_WORKER && opts.workers === undefined);
    this.progressBuf = new SharedArrayBuffer(8 * 2 * this.nWorkers);
    this.progressView = new Float64Array(this.progressBuf);
  }

  /** Probes finished and open ports found so far, across workers. */
  progress(): { completed: number; open: number } {
    let completed = 0;
    let open = 0;
    for (let i = 0; i < this.nWorkers; i++) {
      completed += this.progressView[i * 2]!;
      open += this.progressView[i * 2 + 1]!;
    }
    return { completed, open };
  }

  start(onResult: (r: ConnectResult) => void, onWarn: (message: string) => void): Promise<ConnectScanStats> {
    const { opts } = this;
    const stats: ConnectScanStats = { completed: 0, connector: '' };
    if (this.total === 0) return Promise.resolve(stats);
    const plain = opts.targets.toPlain();
    const connector = preferredConnector();
    const hostCache = new Map<number, HostRef>();
    const hostOf = (i: number): HostRef => {
      let h = hostCache.get(i);
      if (!h) {
        h = opts.targets.hostAt(i);
        if (hostCache.size > 4096) hostCache.clear();
        hostCache.set(i, h);
      }
      return h;
    };
    const warned = new Set<string>();
    const done = opts.oneAnswerPerHost ? new Uint8Array(new SharedArrayBuffer(Math.ceil(opts.targets.size / 8) || 1)) : undefined;
    const jobFor = (shard: number): ConnectJob => ({
      targets: plain,
      ports: opts.ports,
      seed: opts.seed,
      shard,
      shards: this.nWorkers,
      concurrency: Math.max(1, Math.ceil(opts.concurrency / this.nWorkers)),
      rate: opts.rate > 0 ? opts.rate / this.nWorkers : 0,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      connector,
      ...(done ? { doneHosts: done.buffer as SharedArrayBuffer } : {}),
      progress: this.progressBuf,
      report: opts.report,
    });
    /** handles one shard's message; returns true when the shard is finished */
    const handle = (shard: number, m: WorkerMessage): boolean => {
      switch (m.type) {
        case 'results': {
          const f = m.flat;
          for (let i = 0; i < f.length; i += 4) {
            if (done) done[f[i]! >> 3]! |= 1 << (f[i]! & 7);
            onResult({ host: hostOf(f[i]!), hostIndex: f[i]!, port: f[i + 1]!, outcome: f[i + 2]!, rttMs: f[i + 3]! });
          }
          return false;
        }
        case 'warn':
          // Every shard hits the same wall at about the same time: say it once.
          if (!warned.has(m.message)) onWarn(m.message);
          warned.add(m.message);
          return false;
        case 'done':
          stats.completed += m.completed;
          stats.connector = m.connector;
          return true;
        case 'fatal':
          onWarn(`scanner shard ${shard} failed: ${m.message}`);
          return true;
      }
    };

    if (this.inProcess) {
      const run = runShard(jobFor(0), (m) => void handle(0, m));
      this.stopLocal = () => run.stop();
      if (this.stopped) run.stop();
      return run.done.then(() => stats);
    }

    const runs = Array.from({ length: this.nWorkers }, (_, shard) => new Promise<void>((resolve) => {
      const w = new Worker(workerUrl('./connect-worker.js', import.meta.url), { workerData: jobFor(shard) });
      this.workers.push(w);
      if (this.stopped) w.postMessage({ type: 'stop' });
      let finished = false;
      w.on('message', (m: WorkerMessage) => {
        if (handle(shard, m)) {
          finished = true;
          void w.terminate();
        }
      });
      w.on('error', (e) => onWarn(`scanner worker ${shard} failed: ${e.message}`));
      w.on('exit', () => {
        if (!finished) onWarn(`scanner worker ${shard} exited early`);
        resolve();
      });
    }));
    return Promise.all(runs).then(() => stats);
  }

  /** Workers stop launching, flush what they found and exit. */
  stop(): void {
    this.stopped = true;
    this.stopLocal?.();
    for (const w of this.workers) w.postMessage({ type: 'stop' });
  }
}
