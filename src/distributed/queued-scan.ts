/**
 * `wasmap scan --queue redis://…`: the coordinator. The scan is planned and
 * checked here exactly as a local one (bad input: one line, exit 2, nothing
 * enqueued), cut into tiles, and enqueued as one BullMQ flow (parent = the
 * scan, children = shards, jobId = SCANID-shardN); plugins are published by
 * content. Results stream back as shards complete: BullMQ keeps the return
 * value of the attempt that completed holding the lock, so each shard's
 * events are emitted once however often it ran. When every shard is done
 * (or failed for good) the evaluators run here, once per host, on what the
 * shards found. A stopped coordinator leaves the scan in Redis: `--resume
 * ID` picks it up without redoing finished shards.
 */
import { FlowProducer, Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { UsageError, WasmapError } from '../errors.js';
import type { ScanOptions } from '../scan/scan-options.js';
import { Scanner, type RunHooks, type ScanOutcome } from '../scan/scanner.js';
import { PluginCache, pluginCacheDir, publishPlugins } from './plugin-bytes.js';
import { pluginFilesFor, tileTargets } from './run-tile.js';
import { decodePlan, decodeResult, encodePlan, planKey, SCAN_QUEUE, SHARD_QUEUE, shardJobId, VERSION, type ScanPlan, type ShardResult } from './protocol.js';
import { connectRedis, parseQueueUrl, type QueueTarget } from './queue-url.js';
import { DEFAULT_SHARD_SIZE } from './tiles.js';
import { planScan } from './plan-scan.js';
import { checkWorkerVersions } from './worker-versions.js';
import { ShardedScan } from './sharded-scan.js';

export interface QueueScanOptions {
  /** redis://HOST:PORT[/DB] */
  queue: string;
  /** probes per shard (default 4096) */
  shardSize?: number;
  /** runs of a shard before it is reported failed (default 3) */
  attempts?: number;
  /** continue this scan instead of starting one */
  resume?: string;
  /** how the command line looked (kept with the plan for `scan status`) */
  command?: string;
  /** a shard finished or failed for good (progress for people) */
  onShard?: (s: { n: number; status: 'done' | 'failed'; worker?: string; error?: string; done: number; total: number }) => void;
}

export class QueuedScan extends ShardedScan {
  private constructor(
    plan: ScanPlan,
    scanner: Scanner,
    private readonly target: QueueTarget,
    private readonly redis: Redis,
    private readonly q: QueueScanOptions,
    private readonly signal: AbortSignal | undefined,
    private readonly cleanup: (() => Promise<void>) | undefined,
  ) {
    super(plan, scanner);
  }

  get scanId(): string {
    return this.plan.scanId;
  }

  static async prepare(targets: string[], opts: ScanOptions, q: QueueScanOptions): Promise<QueuedScan> {
    const target = parseQueueUrl(q.queue);
    const shardSize = q.shardSize ?? DEFAULT_SHARD_SIZE;
    if (!Number.isInteger(shardSize) || shardSize < 1) throw new UsageError('--shard-size must be a positive integer of probes');
    const attempts = q.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) throw new UsageError('--attempts must be 1-100');
    if (opts.dryRun) throw new UsageError('--dry-run and --queue: a dry run sends nothing; run it without --queue');
    const redis = await connectRedis(target);
    let scanner: Scanner | undefined;
    let cleanup: (() => Promise<void>) | undefined;
    try {
      let plan: ScanPlan;
      if (q.resume) {
        const text = await redis.get(planKey(q.resume));
        if (!text) throw new UsageError(`--resume ${q.resume}: no such scan in ${target.display}`);
        plan = decodePlan(text);
        if (plan.version !== VERSION) throw new UsageError(`--resume ${q.resume}: the scan was started by wasmap ${plan.version}; this is ${VERSION}`);
        // the evaluators run here again, with the plan's options and the plugins it sent (by content, checked)
        const files = await pluginFilesFor(plan, new PluginCache(redis, pluginCacheDir()), q.resume);
        cleanup = files.cleanup;
        scanner = await Scanner.prepare(tileTargets(plan, plan.tiles[0]!).slice(0, 1), {
          ...plan.options,
          ports: String(plan.ports[0]),
          installedPlugins: false,
          plugins: files.given,
          bundledPluginDir: files.bundledDir,
          signal: opts.signal,
          onNotice: () => undefined,
        });
      } else {
        scanner = await Scanner.prepare(targets, opts);
        plan = planScan(scanner, targets, opts, shardSize, q.command);
        await checkWorkerVersions(redis, target.display);
        await publishPlugins(redis, scanner.plugins);
        await redis.set(planKey(plan.scanId), encodePlan(plan));
      }
      await enqueue(target, plan, attempts);
      return new QueuedScan(plan, scanner, target, redis, q, opts.signal, cleanup);
    } catch (e) {
      await scanner?.close();
      await cleanup?.();
      redis.disconnect();
      throw e;
    }
  }

  /** Waits for every shard, emitting each one's events once, then runs the evaluators. */
  async run(hooks: RunHooks = {}): Promise<ScanOutcome> {
    this.begin(hooks);
    const signal = hooks.signal ?? this.signal;
    const plan = this.plan;
    const total = plan.tiles.length;
    const take = (r: ShardResult): void => {
      if (this.take(r)) this.q.onShard?.({ n: r.shard, status: 'done', worker: r.worker, done: this.settled, total });
    };
    const fail = (n: number, error: string): void => {
      if (this.fail(n, error)) this.q.onShard?.({ n, status: 'failed', error, done: this.settled, total });
    };

    const events$ = new QueueEvents(SHARD_QUEUE, { connection: this.target.connection });
    const shards = new Queue(SHARD_QUEUE, { connection: this.target.connection });
    // Redis going away is waited out, not printed: both reconnect on their own and the sweep reads what was missed
    events$.on('error', () => undefined);
    shards.on('error', () => undefined);
    let wake: (() => void) | undefined;
    const poke = (): void => wake?.();
    const prefix = `${plan.scanId}-shard`;
    const shardOf = (jobId: string): number | undefined => (jobId.startsWith(prefix) ? Number(jobId.slice(prefix.length)) : undefined);
    events$.on('completed', ({ jobId, returnvalue }) => {
      if (shardOf(jobId) === undefined) return;
      try {
        take(decodeResult(typeof returnvalue === 'string' ? returnvalue : String(returnvalue)));
      } catch {
        poke(); // a value that does not decode is read again by the sweep
        return;
      }
      // the sweep reads every unfinished shard: run it when all are in, not per shard (that cost grew with shards²)
      if (this.settled >= total) poke();
    });
    events$.on('failed', ({ jobId }) => {
      if (shardOf(jobId) !== undefined) poke();
    });
    const onAbort = (): void => poke();
    signal?.addEventListener('abort', onAbort);
    try {
      await events$.waitUntilReady();
      // the sweep reads every shard's state: what finished before this coordinator (or its events) was there
      while (this.settled < total && !signal?.aborted) {
        await this.#sweep(shards, take, fail);
        if (this.settled >= total || signal?.aborted) break;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 2000).unref();
        });
        wake = undefined;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await events$.close();
      await shards.close();
    }
    return this.finish(signal);
  }

  /** Reads the state of every shard not yet seen; completed ones are taken, failed ones (no attempts left) reported. */
  async #sweep(shards: Queue, take: (r: ShardResult) => void, fail: (n: number, e: string) => void): Promise<void> {
    const open = this.plan.tiles.filter((t) => !this.done.has(t.n) && !this.failed.has(t.n));
    for (let i = 0; i < open.length; i += 200) {
      const batch = open.slice(i, i + 200);
      await Promise.all(
        batch.map(async ({ n }) => {
          const id = shardJobId(this.plan.scanId, n);
          // the state first, then the job: a job read while active and found completed a moment later has no return value yet
          const state = await shards.getJobState(id);
          if (state !== 'completed' && state !== 'failed') return;
          const job = await Job.fromId(shards, id);
          if (!job) return;
          if (state === 'completed') take(decodeResult(String(job.returnvalue)));
          else fail(n, job.failedReason ?? 'failed');
        }),
      );
    }
  }

  async close(): Promise<void> {
    await this.scanner.close();
    await this.cleanup?.();
    this.redis.disconnect();
  }
}

/** The flow, added once: a resumed scan adds it again and BullMQ keeps the jobs that exist. */
async function enqueue(target: QueueTarget, plan: ScanPlan, attempts: number): Promise<void> {
  const flow = new FlowProducer({ connection: target.connection });
  flow.on('error', () => undefined); // a failed add throws below; the connection's own errors are not news
  try {
    await flow.add({
      name: 'scan',
      queueName: SCAN_QUEUE,
      data: { scanId: plan.scanId },
      opts: { jobId: plan.scanId },
      children: plan.tiles.map((t) => ({
        name: 'shard',
        queueName: SHARD_QUEUE,
        data: { scanId: plan.scanId, shard: t.n },
        opts: {
          jobId: shardJobId(plan.scanId, t.n),
          attempts,
          backoff: { type: 'exponential', delay: 1000 },
          // a failed shard is reported, it does not stop the scan
          ignoreDependencyOnFailure: true,
        },
      })),
    });
  } catch (e) {
    throw new WasmapError('WASMAP_INTERNAL', `cannot enqueue scan ${plan.scanId}: ${(e as Error).message}`, { cause: e });
  } finally {
    await flow.close();
  }
}
