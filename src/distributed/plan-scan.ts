/**
 * A sharded scan's plan, made from a prepared Scanner: the resolved target
 * set, the sorted TCP ports, the options every shard runs with, the plugins
 * by content and the tiles. The same plan drives a queued scan and a local
 * one that can resume.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { bundledPluginDir } from '../modules/plugins/plugin-set.js';
import type { LoadedPlugin } from '../sandbox/index.js';
import type { ScanOptions } from '../scan/scan-options.js';
import type { Scanner } from '../scan/scanner.js';
import { VERSION, type ScanPlan, type ShardOptions } from './protocol.js';
import { planTiles } from './tiles.js';

/** What `--queue` leaves to the shards; the rest is the coordinator's (outputs, targets, plugin files). */
function shardOptions(o: ScanOptions): ShardOptions {
  const { signal: _s, onNotice: _n, onLog: _l, plugins: _p, pluginDirs: _d, inputList: _i, exclude: _e, excludeFile: _f, ports: _ports, topPorts: _t, installed: _in, storePaths: _sp, installedPlugins: _ip, excludeModules: _x, maxTargets: _m, allowLargeScan: _a, dryRun: _dr, pluginOutput: _po, runtime: _rt, bundledPluginDir: _b, ...rest } = o;
  return rest;
}

function roleOf(p: LoadedPlugin): 'bundled' | 'given' {
  return resolve(dirname(p.path)) === resolve(bundledPluginDir()) ? 'bundled' : 'given';
}

export function planScan(scanner: Scanner, targets: string[], opts: ScanOptions, shardSize: number, command?: string): ScanPlan {
  const tp = scanner.targetPlan;
  if (tp.ports.udp.length > 0) throw new UsageError('sharded scans (--queue, --resume) cover TCP ports only for now: scan UDP ports (U:) without them');
  const ports = [...tp.ports.tcp].sort((a, b) => a - b);
  return {
    scanId: randomUUID(),
    version: VERSION,
    createdAt: new Date().toISOString(),
    targets: tp.set.toPlain(),
    ports,
    options: { ...shardOptions(opts), seed: scanner.settings.seed },
    plugins: scanner.plugins.map((p) => ({ name: p.manifest.name, version: p.manifest.version, sha256: p.sha256, role: roleOf(p), ...signatureOf(p) })),
    evaluators: scanner.evaluators,
    tiles: planTiles(tp.set.size, ports.length, shardSize),
    command: command ?? `wasmap scan ${targets.join(' ')}`,
  };
}

/** An installed plugin's signature (kept beside its file in the store) travels with it, for workers that require one. */
function signatureOf(p: LoadedPlugin): { signature?: string } {
  try {
    return { signature: readFileSync(`${p.path}.minisig`, 'utf8') };
  } catch {
    return {};
  }
}
