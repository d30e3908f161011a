/**
 * `wasmap worker --queue redis://…`: takes shards of this version's scans
 * and runs them with the normal engine. BullMQ holds a lock per running
 * shard; a worker that dies or stalls past it loses the shard to another
 * worker, and its late completion is refused by BullMQ — the coordinator
 * only ever sees the attempt that completed holding the lock.
 *
 * The scan's --rate is shared: every worker announces its slots (its
 * concurrency) in Redis with a short expiry, and a shard runs at
 * rate × 1 / (all live slots), recomputed per shard.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { PluginRuntime } from '../sandbox/index.js';
import { PluginCache, pluginCacheDir } from './plugin-bytes.js';
import { decodePlan, decodeResult, encodeResult, planKey, SHARD_QUEUE, VERSION, WORKER_CLIENT_PREFIX, type ScanPlan } from './protocol.js';
import type { QueueTarget } from './queue-url.js';
import { preloadPlan, runTile } from './run-tile.js';
import type { LoadedPluginSource } from '../store/live-plugins.js';
import { join } from 'node:path';
import { checkPlanPlugins, workerPolicy } from './worker-policy.js';
import { storePaths, type StorePaths } from '../store/paths.js';
import { mkdir, readFile } from 'node:fs/promises';

export interface WorkerOptions {
  queue: QueueTarget;
  /** shards at once (default 2) */
  concurrency?: number;
  /** scanner threads per shard (default one per core) */
  workers?: number;
  /** how long a shard's lock lasts without renewal: a dead worker's shards move on after about this (default 30 s) */
  lockMs?: number;
  cacheDir?: string;
  /** where this worker's plugin-store policy (config.toml) is read (default: the XDG paths) */
  storePaths?: StorePaths;
  /** a shard started, finished or failed (progress lines) */
  onShard?: (s: { scanId: string; n: number; status: 'started' | 'done' | 'failed'; open?: number; probes?: number; ms?: number; error?: string }) => void;
  /** Redis went away or came back, a lock was lost */
  onNote?: (message: string) => void;
}

export interface RunningWorker {
  id: string;
  close(): Promise<void>;
}

/** Live worker slots of this version (worker id → "slots:expiry ms"): the scan rate is split by their sum. */
export const SLOTS_KEY = `wasmap:workers:v${VERSION}`;
const HEARTBEAT_MS = 3000;
const SLOT_TTL_MS = 10_000;

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // two shards at once: one's slow tail (banners, plugins waiting on a reply) overlaps the next one's probes
  const concurrency = o.concurrency ?? 2;
  const lockMs = o.lockMs ?? 30_000;
  // its own connection, named so a coordinator can tell which versions listen
  const redis = new Redis({ ...o.queue.connection, connectionName: `${WORKER_CLIENT_PREFIX}${VERSION}:${id}` });
  redis.on('error', () => undefined); // reconnects on its own; BullMQ reports the outage
  const cache = new PluginCache(redis, o.cacheDir ?? pluginCacheDir());
  const plans = new Map<string, Promise<{ plan: ScanPlan; runtime: PluginRuntime; plugins: LoadedPluginSource }>>();
  // the profile's plugins come from the plan only: an empty folder stands for this machine's bundled ones
  const noBundled = join(cache.dir, 'no-bundled-plugins');
  await mkdir(noBundled, { recursive: true });
  const policy = await workerPolicy(o.storePaths ?? storePaths());

  const heartbeat = async (): Promise<void> => {
    await redis.hset(SLOTS_KEY, id, `${concurrency}:${Date.now() + SLOT_TTL_MS}`).catch(() => undefined);
  };
  await heartbeat();
  const beat = setInterval(() => void heartbeat(), HEARTBEAT_MS);

  /** Live slots of every worker of this version (expired entries are dropped). */
  const slots = async (): Promise<number> => {
    const all = await redis.hgetall(SLOTS_KEY);
    let n = 0;
    for (const [worker, v] of Object.entries(all)) {
      const [c, until] = v.split(':').map(Number);
      if (until! < Date.now()) await redis.hdel(SLOTS_KEY, worker);
      else n += c!;
    }
    return Math.max(n, concurrency);
  };

  // one plugin runtime per scan: its limits and network grants are the scan's
  const planFor = (scanId: string): Promise<{ plan: ScanPlan; runtime: PluginRuntime; plugins: LoadedPluginSource }> => {
    let p = plans.get(scanId);
    if (!p) {
      p = (async () => {
        const text = await redis.get(planKey(scanId));
        if (!text) throw new UnrecoverableError(`scan ${scanId} has no plan in Redis`);
        const plan = decodePlan(text);
        if (plan.version !== VERSION) throw new UnrecoverableError(`scan ${scanId} was planned by wasmap ${plan.version}; this worker is ${VERSION}`);
        // this worker's own store policy, where it has one: revocations, and signatures it requires
        await checkPlanPlugins(plan, policy, async (p) => readFile(await cache.file(p.name, p.sha256)));
        const { PluginRuntime } = await import('../sandbox/index.js');
        const runtime = new PluginRuntime({ limits: plan.options.pluginLimits ?? {}, allowNet: plan.options.allowNet ?? [] });
        try {
          // loaded once for the scan from hash-checked bytes; every shard borrows them
          const plugins = await preloadPlan(plan, runtime, async (p) => readFile(await cache.file(p.name, p.sha256)));
          return { plan: { ...plan, options: { ...plan.options, workers: o.workers ?? plan.options.workers } }, runtime, plugins };
        } catch (e) {
          await runtime.close();
          throw e;
        }
      })();
      p.catch(() => plans.delete(scanId));
      plans.set(scanId, p);
    }
    return p;
  };

  const started = new WeakMap<Job, number>();
  const processor = async (job: Job<{ scanId: string; shard: number }>, _token?: string, signal?: AbortSignal): Promise<string> => {
    const { scanId, shard } = job.data;
    started.set(job, performance.now());
    o.onShard?.({ scanId, n: shard, status: 'started' });
    try {
      // a plan or plugin this worker refuses fails each shard with its one line
      const { plan, plugins } = await planFor(scanId);
      const tile = plan.tiles[shard];
      if (!tile) throw new UnrecoverableError(`scan ${scanId} has no shard ${shard}`);
      const rate = plan.options.rate ? Math.max(1, Math.floor(plan.options.rate / (await slots()))) : 0;
      return encodeResult(await runTile(plan, tile, { plugins, noBundled, rate, signal, worker: id }));
    } catch (e) {
      o.onShard?.({ scanId, n: shard, status: 'failed', error: (e as Error).message });
      throw e;
    }
  };

  const worker = new Worker(SHARD_QUEUE, processor, {
    connection: o.queue.connection,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    // a shard whose worker died is run again a few times before it counts as failed
    maxStalledCount: 3,
    name: id,
  });
  worker.on('error', (e) => o.onNote?.(`queue: ${e.message}`));
  // "done" only once BullMQ took the result: a late completion after a lost lock is refused (an error above), not done
  worker.on('completed', (job: Job<{ scanId: string; shard: number }>, value: string) => {
    const at = started.get(job);
    const { summary } = decodeResult(value); // the value this worker's processor just encoded
    o.onShard?.({ scanId: job.data.scanId, n: job.data.shard, status: 'done', open: summary.open, probes: summary.ports_probed, ms: at === undefined ? undefined : Math.round(performance.now() - at) });
  });
  await worker.waitUntilReady();

  return {
    id,
    async close() {
      clearInterval(beat);
      await worker.close();
      await redis.hdel(SLOTS_KEY, id).catch(() => undefined);
      for (const p of plans.values()) await p.then((x) => x.runtime.close()).catch(() => undefined);
      redis.disconnect();
    },
  };
}
