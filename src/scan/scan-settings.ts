/**
 * ScanOptions → the ScanSettings a profile is filled in with, after the checks
 * that need nothing loaded: targets given, a dry run without plugins, and the
 * size of the typed targets (so a wide range is refused before a name is
 * resolved or a file read).
 */
import { UsageError } from '../errors.js';
import { parseSeed } from '../targets/probe-order.js';
import { literalTargetCount } from '../targets/target-set.js';
import { checkTargetLimit, DEFAULT_MAX_TARGETS } from '../targets/target-limit.js';
import type { ScanSettings } from '../modules/builtin/scan-dag.js';
import type { ScanOptions } from './scan-options.js';

export function scanSettingsOf(targets: string[], o: ScanOptions): ScanSettings {
  if (targets.length === 0 && !o.inputList) throw new UsageError('no targets given (see wasmap scan --help)');
  if (o.dryRun && ((o.plugins?.length ?? 0) > 0 || (o.pluginDirs?.length ?? 0) > 0)) {
    throw new UsageError('--dry-run loads no plugins: leave out --plugin and --plugin-dir');
  }
  if (o.maxTargets !== undefined && !(Number.isInteger(o.maxTargets) && o.maxTargets >= 1 && o.maxTargets <= 2 ** 32)) {
    throw new UsageError(`maxTargets must be a whole number from 1 to ${2 ** 32}, got ${o.maxTargets}`);
  }
  const exclude = o.exclude ?? [];
  const least = literalTargetCount(targets, exclude, { leaveOutReserved: true });
  if (least !== undefined && o.excludeFile === undefined) checkTargetLimit(least, o.allowLargeScan ? undefined : o.maxTargets ?? DEFAULT_MAX_TARGETS);
  return {
    targets,
    inputList: o.inputList,
    exclude,
    excludeFile: o.excludeFile,
    ports: o.ports,
    topPorts: o.topPorts,
    // set from the planned ports (target-plans.ts), which parse the spec once
    hasUdpPorts: false,
    skipDiscovery: !!o.skipDiscovery,
    rate: o.rate,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    retries: o.retries,
    workers: o.workers,
    // one seed for every node, so a run is reproducible from the seed printed with -v
    seed: String(parseSeed(o.seed)),
    banner: !!o.banner,
    bannerTimeoutMs: o.bannerTimeoutMs,
    states: o.states,
    maxTargets: o.maxTargets,
    allowLargeScan: !!o.allowLargeScan,
    dryRun: !!o.dryRun,
  };
}
