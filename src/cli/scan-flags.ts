/**
 * `wasmap scan`'s flags → the Scanner's options. Every flag is checked here,
 * with the flag's name in the message, before anything loads or opens.
 */
import { UsageError } from '../errors.js';
import { SEVERITIES } from '../model/event.js';
import { OUTPUT_FORMATS } from '../report/writer.js';
import { DEFAULT_MAX_TARGETS } from '../targets/target-limit.js';
import type { ScanOptions, ShownState } from '../scan/scan-options.js';
import { intOption, numberOption, listOption, choiceOption } from './options.js';
import { planOutputs } from './output-format.js';
import { parseLimits, type PluginFlags } from './plugin-flags.js';
import { checkScreenshotDir } from './screenshot-dir.js';

const STATES: ShownState[] = ['open', 'closed', 'filtered'];

export interface ScanFlags extends PluginFlags {
  ports?: string;
  topPorts?: string;
  inputList?: string;
  exclude?: string[];
  excludeFile?: string;
  skipDiscovery?: boolean;
  rate?: string;
  concurrency?: string;
  timeout?: string;
  retries?: string;
  banner?: boolean;
  bannerTimeout?: string;
  output?: string;
  /** --html FILE: the HTML report, besides the other outputs */
  html?: string;
  /** --screenshots DIR: each result's PNG as DIR/IP_PORT_module.png */
  screenshots?: string;
  format?: string;
  states?: string;
  seed?: string;
  workers?: string;
  profile?: string;
  verbose?: boolean;
  quiet?: boolean;
  maxTargets?: string;
  allowLargeScan?: boolean;
  dryRun?: boolean;
  /** false with --no-installed */
  installed?: boolean;
  severity?: string;
  queue?: string;
  shardSize?: string;
  attempts?: string;
  resume?: string;
}

/** How a sharded scan runs: on workers through Redis, or here with a resumable state file. */
export type ShardedRun =
  | { mode: 'queue'; queue: string; shardSize?: number; attempts?: number; resume?: string }
  | { mode: 'local'; stateFile: string; shardSize?: number };

/** `--queue`, `--resume` and their companions; undefined for a plain local scan. */
export function shardedRunOf(f: ScanFlags): ShardedRun | undefined {
  const shardSize = f.shardSize !== undefined ? intOption('--shard-size', f.shardSize, 4096, 1, 2 ** 31) : undefined;
  if (f.queue) return { mode: 'queue', queue: f.queue, shardSize, attempts: f.attempts !== undefined ? intOption('--attempts', f.attempts, 3, 1, 100) : undefined, resume: f.resume };
  if (f.attempts !== undefined) throw new UsageError('--attempts needs --queue');
  if (f.resume !== undefined) return { mode: 'local', stateFile: f.resume, shardSize };
  if (shardSize !== undefined) throw new UsageError('--shard-size needs --queue or --resume FILE');
  return undefined;
}

function resolveSeverity(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const out = listOption(raw).map((s) => s.toLowerCase());
  for (const s of out) if (!(SEVERITIES as readonly string[]).includes(s)) throw new UsageError(`--severity takes ${SEVERITIES.join(', ')}, got '${s}'`);
  if (out.length === 0) throw new UsageError(`--severity takes ${SEVERITIES.join(', ')}`);
  return out;
}

function resolveStates(raw: string | undefined): ShownState[] | undefined {
  if (raw === undefined) return undefined;
  const out = new Set<ShownState>();
  for (const s of listOption(raw)) {
    if (s === 'all') STATES.forEach((x) => out.add(x));
    else if ((STATES as string[]).includes(s)) out.add(s as ShownState);
    else throw new UsageError(`--states takes open, closed, filtered or all, got '${s}'`);
  }
  return [...out];
}

export function scanOptionsOf(f: ScanFlags): ScanOptions {
  const topPorts = f.topPorts !== undefined ? intOption('--top-ports', f.topPorts, 1000, 1, 65535) : undefined;
  // -o's format is a flag check too: nothing is opened before all of them pass
  const format = choiceOption('--format', f.format, OUTPUT_FORMATS);
  planOutputs(f, format);
  if (f.screenshots !== undefined) checkScreenshotDir(f.screenshots);
  return {
    profile: f.profile,
    ports: f.ports,
    topPorts,
    inputList: f.inputList,
    exclude: listOption(f.exclude),
    excludeFile: f.excludeFile,
    skipDiscovery: !!f.skipDiscovery,
    rate: f.rate !== undefined ? numberOption('--rate', f.rate, 0, 0) : undefined,
    concurrency: f.concurrency !== undefined ? intOption('--concurrency', f.concurrency, 1024, 1, 100_000) : undefined,
    timeoutMs: f.timeout !== undefined ? intOption('--timeout', f.timeout, 1000, 1, 600_000) : undefined,
    retries: f.retries !== undefined ? intOption('--retries', f.retries, 1, 0, 20) : undefined,
    workers: f.workers !== undefined ? intOption('--workers', f.workers, 1, 0, 256) : undefined,
    seed: f.seed,
    banner: !!f.banner,
    bannerTimeoutMs: f.bannerTimeout !== undefined ? intOption('--banner-timeout', f.bannerTimeout, 2000, 1, 600_000) : undefined,
    states: resolveStates(f.states),
    maxTargets: f.maxTargets !== undefined ? intOption('--max-targets', f.maxTargets, DEFAULT_MAX_TARGETS, 1, 2 ** 32) : undefined,
    allowLargeScan: !!f.allowLargeScan,
    dryRun: !!f.dryRun,
    plugins: f.plugin ?? [],
    pluginDirs: f.pluginDir ?? [],
    pluginConfig: f.pluginConfig,
    pluginConfigFiles: f.pluginConfigFile,
    screenshots: f.screenshots !== undefined,
    pluginLimits: parseLimits(f.pluginLimit),
    pluginOutput: f.pluginOutput,
    allowNet: f.allowNet ?? [],
    strictPlugins: !!f.strictPlugins,
    installedPlugins: f.installed !== false,
    severity: resolveSeverity(f.severity),
  };
}
