/**
 * One shard, on a worker: the tile's hosts and ports scanned with the
 * normal engine and the coordinator's plugins (checked by hash, loaded once
 * per scan), without the evaluators (the coordinator runs them on every
 * shard's results).
 */
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { WasmapError } from '../errors.js';
import type { ScanEvent } from '../model/event.js';
import type { LoadedPlugin, PluginRuntime } from '../sandbox/index.js';
import type { LoadedPluginSource } from '../store/live-plugins.js';
import { Scanner } from '../scan/scanner.js';
import { TargetSet } from '../targets/target-set.js';
import type { PluginCache } from './plugin-bytes.js';
import { EVALUATOR_KEYS, type ScanPlan, type ShardResult } from './protocol.js';
import type { Tile } from './tiles.js';

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

/**
 * The plan's plugins loaded once into `runtime`, from bytes `bytesOf`
 * gives, each checked against the plan's sha256: every shard of the scan
 * borrows them instead of loading its own (a shard then costs a scan, not
 * a plugin load).
 */
export async function preloadPlan(plan: ScanPlan, runtime: PluginRuntime, bytesOf: (p: ScanPlan['plugins'][number]) => Promise<Uint8Array>): Promise<LoadedPluginSource> {
  const plugins: LoadedPlugin[] = [];
  for (const p of plan.plugins) {
    const loaded = await runtime.load(await bytesOf(p));
    if (loaded.sha256 !== p.sha256 || loaded.manifest.name !== p.name) {
      runtime.unload(loaded);
      throw new WasmapError('WASMAP_PLUGIN_LOAD', `plugin ${p.name} here is not the one the coordinator sent (sha256 ${loaded.sha256.slice(0, 16)}…, planned ${p.sha256.slice(0, 16)}…)`);
    }
    plugins.push(loaded);
  }
  return { runtime, everyProfile: true, acquire: () => ({ plugins, refused: [], release: () => undefined }) };
}

export interface TileRun {
  /** the scan's plugins, loaded once (preloadPlan) */
  plugins: LoadedPluginSource;
  /** an empty folder: no plugin of this machine's own takes part */
  noBundled: string;
  /** probes per second for this shard (its share of the scan's rate), 0 = none */
  rate: number;
  signal?: AbortSignal;
  worker: string;
}

export async function runTile(plan: ScanPlan, tile: Tile, r: TileRun): Promise<ShardResult> {
  const scanner = await Scanner.prepare(tileTargets(plan, tile), {
    ...plan.options,
    pluginLimits: undefined,
    allowNet: undefined,
    ports: plan.ports.slice(tile.ports[0], tile.ports[1]).join(','),
    rate: r.rate,
    installed: r.plugins,
    bundledPluginDir: r.noBundled,
    excludeModules: plan.evaluators,
    signal: r.signal,
    onNotice: () => undefined,
  });
  try {
    const events: ScanEvent[] = [];
    const outcome = await scanner.run({ onEvent: (ev) => events.push(ev), keep: EVALUATOR_KEYS, signal: r.signal });
    if (outcome.failed.length > 0) throw new WasmapError('WASMAP_INTERNAL', `shard ${tile.n}: ${outcome.failed.map((n) => `${n.id} failed: ${n.error}`).join('; ')}`);
    const kept = Object.fromEntries(Object.entries(outcome.kept).map(([k, v]) => [k, [...v]]));
    return { shard: tile.n, events, kept, summary: outcome.summary, worker: r.worker };
  } finally {
    await scanner.close();
  }
}
