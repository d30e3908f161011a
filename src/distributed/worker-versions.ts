/**
 * Coordinators and workers of different wasmap versions never share shards
 * (the queue name carries the version). A coordinator that finds only
 * workers of other versions on its Redis says so in one line instead of
 * waiting for shards nobody will take.
 */
import type { Redis } from 'ioredis';
import { UsageError } from '../errors.js';
import { VERSION, WORKER_CLIENT_PREFIX } from './protocol.js';

/** Versions of the wasmap workers connected to this Redis (from their client names). */
export async function workerVersions(redis: Redis): Promise<Map<string, number>> {
  const list = (await redis.client('LIST')) as string;
  const out = new Map<string, number>();
  for (const m of list.matchAll(/\bname=(\S+)/g)) {
    const name = m[1]!;
    if (!name.startsWith(WORKER_CLIENT_PREFIX)) continue;
    const version = name.slice(WORKER_CLIENT_PREFIX.length).split(':')[0]!;
    out.set(version, (out.get(version) ?? 0) + 1);
  }
  return out;
}

export async function checkWorkerVersions(redis: Redis, where: string): Promise<void> {
  const versions = await workerVersions(redis);
  if (versions.size === 0 || versions.has(VERSION)) return;
  throw new UsageError(`the workers on ${where} run wasmap ${[...versions.keys()].join(', ')}; this coordinator is wasmap ${VERSION}: they will not take its shards (run the same version on both)`);
}
