/** `wasmap scan status ID --queue URL`: shards done, running, waiting and failed, from Redis. */
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';
import { decodePlan, planKey, SHARD_QUEUE, shardJobId, type ScanPlan } from './protocol.js';
import { parseQueueUrl } from './queue-url.js';

export interface ScanStatus {
  plan: ScanPlan;
  done: number;
  running: number;
  waiting: number;
  failed: { shard: number; error: string }[];
}

export async function scanStatus(scanId: string, url: string): Promise<ScanStatus> {
  const target = parseQueueUrl(url);
  const redis = new Redis({ ...target.connection, lazyConnect: true, maxRetriesPerRequest: 1 });
  const shards = new Queue(SHARD_QUEUE, { connection: target.connection });
  try {
    await redis.connect().catch((e: Error) => {
      throw new UsageError(`--queue ${target.display}: cannot reach Redis (${e.message})`);
    });
    const text = await redis.get(planKey(scanId));
    if (!text) throw new UsageError(`no scan ${scanId} in ${target.display}`);
    const plan = decodePlan(text);
    const s: ScanStatus = { plan, done: 0, running: 0, waiting: 0, failed: [] };
    for (const t of plan.tiles) {
      const job = await Job.fromId(shards, shardJobId(scanId, t.n));
      const state = job ? await job.getState() : 'unknown';
      if (state === 'completed') s.done++;
      else if (state === 'active') s.running++;
      else if (state === 'failed') s.failed.push({ shard: t.n, error: job?.failedReason ?? 'failed' });
      else s.waiting++;
    }
    return s;
  } finally {
    await shards.close();
    redis.disconnect();
  }
}
