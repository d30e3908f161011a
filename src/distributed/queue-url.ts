/**
 * `--queue redis://[USER:PASSWORD@]HOST:PORT[/DB]` (rediss:// for TLS) as
 * BullMQ connection options; a bad URL is one line, exit 2.
 */
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';

export interface QueueTarget {
  connection: ConnectionOptions;
  /** the URL without its password, for messages */
  display: string;
}

export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue ${url}: not a URL (redis://HOST:PORT[/DB])`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--queue ${url}: only redis:// and rediss:// URLs`);
  if (!u.hostname) throw new UsageError(`--queue ${url}: no host`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d*$/.test(dbText)) throw new UsageError(`--queue ${url}: the database must be a number 0-15`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const connection: ConnectionOptions = {
    host,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    // BullMQ workers block on Redis: commands must wait for a reconnect instead of failing
    maxRetriesPerRequest: null,
  };
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return { connection, display: shown.toString() };
}

/**
 * A plain client for the coordinator's own reads and writes, connected (or a
 * one-line UsageError with the socket's reason). Its errors are kept, not
 * thrown: ioredis reconnects on its own, and an unhandled 'error' would print
 * a stack trace.
 */
export async function connectRedis(target: QueueTarget): Promise<Redis> {
  const redis = new Redis({ ...target.connection, lazyConnect: true, maxRetriesPerRequest: 1 });
  let last: Error | undefined;
  redis.on('error', (e: Error) => (last = e));
  try {
    await redis.connect();
    return redis;
  } catch (e) {
    redis.disconnect();
    throw new UsageError(`--queue ${target.display}: cannot reach Redis (${(last ?? (e as Error)).message})`);
  }
}
