/**
 * One shard, on a worker: the tile's hosts and ports scanned with the
 * normal engine and the coordinator's plugins (checked by hash), without
 * the evaluators (the coordinator runs them on every shard's results).
 */
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { WasmapError } from '../errors.js';
import type { ScanEvent } from '../model/event.js';
import type { PluginRuntime } from '../sandbox/index.js';
import { Scanner } from '../scan/scanner.js';
import { TargetSet } from '../targets/target-set.js';
import type { PluginCache } from './plugin-bytes.js';
import { EVALUATOR_KEYS, type ScanPlan, type ShardResult } from './protocol.js';
import type { Tile } from './tiles.js';

export interface TileRun {
  runtime: PluginRuntime;
  cache: PluginCache;
  /** probes per second for this shard (its share of the scan's rate), 0 = none */
  rate: number;
  signal?: AbortSignal;
  worker: string;
}

/** The tile's hosts as addresses (the plan's target set is already resolved and excluded). */
export function tileTargets(plan: ScanPlan, tile: Tile): string[] {
  const set = TargetSet.fromPlain(plan.targets);
  const out: string[] = [];
  for (let i = tile.hosts[0]; i < tile.hosts[1]; i++) out.push(set.hostAt(i).ip);
  return out;
}

/**
 * The plan's plugins as files a Scanner loads: checked copies; the profile's
 * (bundled) ones in a folder of their own, the others given as files.
 */
export async function pluginFilesFor(plan: ScanPlan, cache: PluginCache, tag: string): Promise<{ given: string[]; bundledDir: string; cleanup: () => Promise<void> }> {
  const bundledDir = join(cache.dir, 'scans', `${plan.scanId}-${process.pid}-${tag}-${Math.random().toString(36).slice(2)}`);
  const cleanup = (): Promise<void> => rm(bundledDir, { recursive: true, force: true });
  await mkdir(bundledDir, { recursive: true });
  try {
    const given: string[] = [];
    for (const p of plan.plugins) {
      const file = await cache.file(p.name, p.sha256);
      if (p.role === 'bundled') await symlink(file, join(bundledDir, `${p.name}.wasm`));
      else given.push(file);
    }
    return { given, bundledDir, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

export async function runTile(plan: ScanPlan, tile: Tile, r: TileRun): Promise<ShardResult> {
  const files = await pluginFilesFor(plan, r.cache, String(tile.n));
  try {
    return await runTileWith(plan, tile, files, r);
  } finally {
    await files.cleanup();
  }
}

/** One tile with these plugin files (a worker's checked copies, or a local scan's own). */
export async function runTileWith(plan: ScanPlan, tile: Tile, files: { given: string[]; bundledDir: string }, r: Omit<TileRun, 'cache'>): Promise<ShardResult> {
  const scanner = await Scanner.prepare(tileTargets(plan, tile), {
    ...plan.options,
    ports: plan.ports.slice(tile.ports[0], tile.ports[1]).join(','),
    rate: r.rate,
    plugins: files.given,
    bundledPluginDir: files.bundledDir,
    installedPlugins: false,
    excludeModules: plan.evaluators,
    runtime: r.runtime,
    signal: r.signal,
    onNotice: () => undefined,
  });
  try {
    // what ran is what the coordinator sent: every loaded plugin's hash is one of the plan's
    const sent = new Set(plan.plugins.map((p) => p.sha256));
    const stranger = scanner.plugins.find((p) => !sent.has(p.sha256));
    if (stranger) throw new WasmapError('WASMAP_PLUGIN_LOAD', `plugin ${stranger.manifest.name} on this worker is not the one the coordinator sent (sha256 ${stranger.sha256.slice(0, 16)}…)`);
    const events: ScanEvent[] = [];
    const outcome = await scanner.run({ onEvent: (ev) => events.push(ev), keep: EVALUATOR_KEYS, signal: r.signal });
    if (outcome.failed.length > 0) throw new WasmapError('WASMAP_INTERNAL', `shard ${tile.n}: ${outcome.failed.map((n) => `${n.id} failed: ${n.error}`).join('; ')}`);
    const kept = Object.fromEntries(Object.entries(outcome.kept).map(([k, v]) => [k, [...v]]));
    return { shard: tile.n, events, kept, summary: outcome.summary, worker: r.worker };
  } finally {
    await scanner.close();
  }
}
