/**
 * One shard of a connect scan: walks its slice of the keyed probe permutation
 * with a ProbeLoop and reports results in small batches, so that a stop or a
 * crash loses at most a few milliseconds of findings. Runs in a worker thread
 * (connect-worker.ts) or, for small scans, on the calling thread.
 */
import { TargetSet } from '../targets/target-set.js';
import { Permutation } from '../targets/probe-order.js';
import { createConnector } from './tcp-connect.js';
import { ProbeLoop, type Probe } from './probe-loop.js';
import { Outcome } from './connect-outcome.js';
import type { ConnectJob, WorkerMessage } from './connect-job.js';

const FLUSH_MS = 25;
const FLUSH_ITEMS = 512;

export interface ShardRun {
  done: Promise<void>;
  stop(): void;
}

export function runShard(job: ConnectJob, post: (m: WorkerMessage) => void): ShardRun {
  const targets = TargetSet.fromPlain(job.targets);
  const nPorts = job.ports.length;
  const total = targets.size * nPorts;
  const perm = new Permutation(total, job.seed);
  const answered = job.doneHosts ? new Uint8Array(job.doneHosts) : undefined;
  const progress = new Float64Array(job.progress);
  const report = new Set(job.report);
  let index = job.shard;
  let lastHost = -1;
  let lastIp = '';
  let lastFamily: 4 | 6 = 4;

  const next = (): Probe | undefined => {
    while (index < total) {
      const p = perm.at(index);
      index += job.shards;
      const hostIndex = Math.floor(p / nPorts);
      if (answered && answered[hostIndex >> 3]! & (1 << (hostIndex & 7))) continue;
      if (hostIndex !== lastHost) {
        const h = targets.hostAt(hostIndex);
        lastHost = hostIndex;
        lastIp = h.ip;
        lastFamily = h.family;
      }
      return { hostIndex, ip: lastIp, family: lastFamily, port: job.ports[p % nPorts]! };
    }
    return undefined;
  };

  let batch: number[] = [];
  let completed = 0;
  let open = 0;
  const flush = (): void => {
    progress[job.shard * 2] = completed;
    progress[job.shard * 2 + 1] = open;
    if (batch.length === 0) return;
    post({ type: 'results', flat: batch });
    batch = [];
  };

  const connector = createConnector(job.connector);
  const loop = new ProbeLoop(
    connector,
    next,
    { concurrency: job.concurrency, rate: job.rate, timeoutMs: job.timeoutMs, retries: job.retries },
    (probe, outcome, rtt) => {
      completed++;
      if (outcome === Outcome.Open) open++;
      if (!report.has(outcome)) return;
      batch.push(probe.hostIndex, probe.port, outcome, Math.round(rtt * 1000) / 1000);
      if (batch.length >= FLUSH_ITEMS * 4) flush();
    },
    (message) => post({ type: 'warn', message }),
  );
  const timer = setInterval(flush, FLUSH_MS);
  const done = loop.run().then(() => {
    clearInterval(timer);
    flush();
    post({ type: 'done', completed, connector: connector.kind });
  });
  return { done, stop: () => loop.stop() };
}
