/** What a scan is asked to do: the library's `scan()` options, and what the CLI's flags become. */
import type { LogRecord } from '../engine/dag-executor.js';
import type { Limits, PluginRuntime } from '../sandbox/index.js';
import type { LoadedPluginSource } from '../store/live-plugins.js';
import type { StorePaths } from '../store/paths.js';

export type ShownState = 'open' | 'closed' | 'filtered';

/** Something the user should hear about while a scan is set up (the CLI prints it on stderr). */
export interface ScanNotice {
  /** `replaced`: a given or installed plugin took a bundled one's place (or a given one an installed one's); `refused`: a plugin did not load; `missing`: bundled plugins not built */
  kind: 'replaced' | 'refused' | 'missing';
  message: string;
}

export interface ScanOptions {
  /** a bundled profile (dags/*.yaml): `default` (plugins included) or `ports` (the bare port scan), … */
  profile?: string;
  /** port spec: `22,80`, `1-1024`, `-`, `T:80,U:53` */
  ports?: string;
  /** the N most common TCP ports (with `ports`: both, each port once) */
  topPorts?: number;
  /** a file of targets, `-` for stdin */
  inputList?: string;
  exclude?: string[];
  excludeFile?: string;
  /** skip host discovery: treat every target as up */
  skipDiscovery?: boolean;
  /** probes per second, 0 = no limit */
  rate?: number;
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
  /** scanner threads (default one per core; 0 = this thread) */
  workers?: number;
  /** seed of the probe order, for a reproducible run */
  seed?: string;
  banner?: boolean;
  bannerTimeoutMs?: number;
  /** port states that become events (default: open) */
  states?: ShownState[];
  /** most target addresses without `allowLargeScan` (default 16,777,216, a /8) */
  maxTargets?: number;
  /** scan more than `maxTargets` addresses */
  allowLargeScan?: boolean;
  /** read, check and count targets and ports; send nothing */
  dryRun?: boolean;
  /** plugin files to load besides the profile's bundled ones (one named like a bundled plugin replaces it) */
  plugins?: string[];
  /** folders whose *.wasm files are loaded as `plugins` */
  pluginDirs?: string[];
  /** `NAME.KEY=VALUE`, checked against the plugin's config schema */
  pluginConfig?: string[];
  /** `NAME.KEY=PATH`: a file's text as a string config value */
  pluginConfigFiles?: string[];
  /** screenshots are wanted (--screenshots DIR): plugins with a `screenshot` config switch take it */
  screenshots?: boolean;
  /** sandbox limits for every plugin, e.g. `{ wall_ms: 5000 }` */
  pluginLimits?: Partial<Limits>;
  /** the file an output plugin writes */
  pluginOutput?: string;
  /** network grants beyond the scan's targets (CIDRs) */
  allowNet?: string[];
  /**
   * run the plugin store's installed plugins (default true) in profiles that run plugins (not `ports`, `quick`);
   * a --plugin file of the same name wins, an installed one takes a bundled one's place
   */
  installedPlugins?: boolean;
  /** where the plugin store and config.toml are (default: storePaths(process.env), the XDG folders) */
  storePaths?: StorePaths;
  /**
   * a live set of installed plugins (InstalledPlugins.open) for a long-running process: the scan runs
   * its versions current at `prepare` on its runtime, which the Scanner leaves open (set pluginLimits and
   * allowNet on that runtime: with `installed` they are refused here); `storePaths` is then unused
   */
  installed?: LoadedPluginSource;
  /** a plugin that does not load (or a bundled one not built) stops the scan instead of being left out */
  strictPlugins?: boolean;
  /** where the profile's bundled plugins are read (default: the ones `npm run build` made; a distributed worker: those its coordinator sent) */
  bundledPluginDir?: string;
  /** a plugin runtime the caller owns and keeps (a long-running worker): the scan loads into it and unloads what it loaded */
  runtime?: PluginRuntime;
  /** report only findings of these severities (info, low, medium, high, critical): finding events and results' findings alike */
  severity?: string[];
  /** modules whose nodes are left out of the profile (a distributed shard leaves evaluators to its coordinator) */
  excludeModules?: string[];
  /** stops the scan; events found so far are kept */
  signal?: AbortSignal;
  /** plugins replaced, refused or missing (default: a process warning for refused and missing ones) */
  onNotice?: (notice: ScanNotice) => void;
  /** module log lines (dropped when absent) */
  onLog?: (record: LogRecord) => void;
}
