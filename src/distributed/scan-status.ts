/** `wasmap scan status ID --queue URL`: shards done, running, waiting and failed, from Redis. */
import { Job, Queue } from 'bullmq';
import { UsageError } from '../errors.js';
import { decodePlan, planKey, SHARD_QUEUE, shardJobId, type ScanPlan } from './protocol.js';
import { connectRedis, parseQueueUrl } from './queue-url.js';

export interface ScanStatus {
  plan: ScanPlan;
  done: number;
  running: number;
  waiting: number;
  failed: { shard: number; error: string }[];
}

export async function scanStatus(scanId: string, url: string): Promise<ScanStatus> {
  const target = parseQueueUrl(url);
  const redis = await connectRedis(target);
  const shards = new Queue(SHARD_QUEUE, { connection: target.connection });
  shards.on('error', () => undefined); // its connection retries on its own
  try {
    const text = await redis.get(planKey(scanId));
    if (!text) throw new UsageError(`no scan ${scanId} in ${target.display}`);
    const plan = decodePlan(text);
    const s: ScanStatus = { plan, done: 0, running: 0, waiting: 0, failed: [] };
    for (const t of plan.tiles) {
      const id = shardJobId(scanId, t.n);
      // the state first: a job read before it failed would have no reason yet
      const state = await shards.getJobState(id);
      if (state === 'completed') s.done++;
      else if (state === 'active') s.running++;
      else if (state === 'failed') s.failed.push({ shard: t.n, error: (await Job.fromId(shards, id))?.failedReason ?? 'failed' });
      else s.waiting++;
    }
    return s;
  } finally {
    await shards.close();
    redis.disconnect();
  }
}
