/**
 * Plugins travel by content: the coordinator stores each plugin's bytes once
 * under its sha256; a worker fetches them, checks the hash, keeps a copy in
 * its cache and never runs bytes it did not check (a tampered copy in Redis
 * or on disk is refused, by name and hash).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { WasmapError } from '../errors.js';
import type { LoadedPlugin } from '../sandbox/index.js';
import { pluginKey } from './protocol.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Stores the bytes of every plugin the coordinator loaded; a file changed since it was loaded is refused. */
export async function publishPlugins(redis: Redis, plugins: readonly LoadedPlugin[]): Promise<void> {
  for (const p of plugins) {
    const bytes = await readFile(p.path);
    if (sha256(bytes) !== p.sha256) throw new WasmapError('WASMAP_PLUGIN_LOAD', `plugin ${p.manifest.name}: ${p.path} changed since it was loaded; run the scan again`);
    // overwritten, not NX: a copy corrupted or tampered with in Redis is healed by the next scan instead of failing every one
    await redis.set(pluginKey(p.sha256), bytes);
  }
}

export class PluginFetchError extends WasmapError {
  constructor(message: string) {
    super('WASMAP_PLUGIN_LOAD', message);
    this.name = 'PluginFetchError';
  }
}

/** A worker's verified copies, by sha256. */
export class PluginCache {
  constructor(
    private readonly redis: Redis,
    readonly dir: string,
  ) {}

  /** The path of a checked copy of the plugin with this hash. */
  async file(name: string, hash: string): Promise<string> {
    const path = join(this.dir, `${hash}.wasm`);
    const cached = await readFile(path).catch(() => undefined);
    if (cached && sha256(cached) === hash) return path;
    const bytes = await this.redis.getBuffer(pluginKey(hash));
    if (!bytes) throw new PluginFetchError(`plugin ${name} (sha256 ${hash.slice(0, 16)}…) is not in Redis: the coordinator did not publish it`);
    const got = sha256(bytes);
    if (got !== hash) throw new PluginFetchError(`plugin ${name}: the bytes in Redis hash to ${got.slice(0, 16)}…, not ${hash.slice(0, 16)}…: refused (tampered or corrupted)`);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, bytes, { mode: 0o444 });
    await rename(tmp, path);
    return path;
  }
}

/** $XDG_CACHE_HOME/wasmap/plugins-by-hash (default ~/.cache/…). */
export function pluginCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'wasmap', 'plugins-by-hash');
}
