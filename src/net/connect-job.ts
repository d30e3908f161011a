/** The messages between the connect scanner and its worker threads. */
import type { TargetSetPlain } from '../targets/target-set.js';
import type { ConnectorKind } from './tcp-connect.js';

export interface ConnectJob {
  targets: TargetSetPlain;
  ports: number[];
  seed: bigint;
  /** this worker takes permutation indices shard, shard + shards, … */
  shard: number;
  shards: number;
  concurrency: number;
  rate: number;
  timeoutMs: number;
  retries: number;
  /** chosen on the caller's thread, whose deprecation settings count (tcp-connect.ts) */
  connector: ConnectorKind;
  /** one bit per host index, set by the main thread: hosts already answered, skip their other probes (discovery) */
  doneHosts?: SharedArrayBuffer;
  /** Float64Array slots [completed, open] per shard, read by the main thread for progress */
  progress: SharedArrayBuffer;
  /** which outcomes to send back (Outcome codes); others are only counted */
  report: number[];
}

/** Flat result batches: [hostIndex, port, outcome, rttMs] repeated. */
export type WorkerMessage =
  | { type: 'results'; flat: number[] }
  | { type: 'warn'; message: string }
  | { type: 'done'; completed: number; connector: ConnectorKind }
  | { type: 'fatal'; message: string };

export type MainMessage = { type: 'stop' };
