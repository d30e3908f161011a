/**
 * `wasmap scan`: flags → a scan DAG (a bundled profile with the flags applied),
 * run on the module engine with events streamed to the chosen writers.
 * SIGINT/SIGTERM cancel every node, flush everything found so far, print the
 * summary and exit 130/143.
 */
import { randomUUID } from 'node:crypto';
import { openSync, createWriteStream } from 'node:fs';
import { UsageError } from '../errors.js';
import { parsePorts } from '../targets/ports.js';
import { parseSeed } from '../targets/probe-order.js';
import { withJobId, type ScanEvent } from '../model/event.js';
import { createWriter, OUTPUT_FORMATS, type EventWriter, type OutputFormat } from '../report/writer.js';
import { outputFileFormat } from './output-format.js';
import { literalTargetCount } from '../targets/target-set.js';
import { checkTargetLimit, DEFAULT_MAX_TARGETS } from '../targets/target-limit.js';
import { summaryLine, type ScanSummary } from '../report/summary.js';
import { validateDag } from '../engine/dag-validate.js';
import { runDag, type RunResult } from '../engine/dag-executor.js';
import { formatIssue } from '../engine/dag.js';
import { builtinRegistry, ProgressBoard } from '../modules/builtin/index.js';
import { applyScanSettings, loadProfile, type ScanSettings } from '../modules/builtin/scan-dag.js';
import { intOption, numberOption, listOption, choiceOption } from './options.js';
import { ProgressBar } from './progress.js';
import { reportFatal, isUsageCode } from './fatal.js';
import { addPluginNodes, parseLimits, type PluginFlags } from './plugin-flags.js';
import { pluginFiles, loadRunPlugins, pluginModulesOf, refusalEvent, type RefusedPlugin } from '../modules/plugins/plugin-set.js';
import type { LoadedPlugin, PluginRuntime } from '../sandbox/index.js';
import { describeMatch } from '../modules/plugins/match.js';
import { detectionProgress } from '../modules/plugins/detection-progress.js';
import { forTerminal, jsonForTerminal, linesForTerminal } from '../report/terminal-text.js';
import { escapedTerminal } from './terminal-stream.js';

const STATES = ['open', 'closed', 'filtered'];
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

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
}

function resolveStates(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const out = new Set<string>();
  for (const s of listOption(raw)) {
    if (s === 'all') STATES.forEach((x) => out.add(x));
    else if (STATES.includes(s)) out.add(s);
    else throw new UsageError(`--states takes open, closed, filtered or all, got '${s}'`);
  }
  return [...out];
}

/** Checks every flag before anything runs, so bad input never starts a scan. */
export function scanSettings(targets: string[], f: ScanFlags): ScanSettings {
  const opt = <T>(v: T | undefined): T | undefined => v;
  const ports = f.ports !== undefined ? parsePorts(f.ports) : undefined;
  const topPorts = f.topPorts !== undefined ? intOption('--top-ports', f.topPorts, 1000, 1, 65535) : undefined;
  if (targets.length === 0 && !f.inputList) throw new UsageError('no targets given (see wasmap scan --help)');
  // -o's format is a flag check too: nothing is opened before all of them pass
  const format = choiceOption('--format', f.format, OUTPUT_FORMATS);
  if (f.output) outputFileFormat(f.output, format);
  if (f.dryRun && ((f.plugin?.length ?? 0) > 0 || (f.pluginDir?.length ?? 0) > 0)) {
    throw new UsageError('--dry-run loads no plugins: leave out --plugin and --plugin-dir');
  }
  const maxTargets = f.maxTargets !== undefined ? intOption('--max-targets', f.maxTargets, DEFAULT_MAX_TARGETS, 1, 2 ** 32) : undefined;
  const exclude = listOption(f.exclude);
  // The targets typed here are checked now, before plugins load or -o is opened;
  // target_expansion checks again with lists and names resolved.
  const least = literalTargetCount(targets, exclude, { leaveOutReserved: true });
  if (least !== undefined && f.excludeFile === undefined) checkTargetLimit(least, f.allowLargeScan ? undefined : maxTargets ?? DEFAULT_MAX_TARGETS);
  return {
    targets,
    inputList: f.inputList,
    exclude,
    excludeFile: f.excludeFile,
    ports: f.ports,
    topPorts,
    hasUdpPorts: (ports?.udp.length ?? 0) > 0,
    skipDiscovery: !!f.skipDiscovery,
    rate: opt(f.rate !== undefined ? numberOption('--rate', f.rate, 0, 0) : undefined),
    concurrency: f.concurrency !== undefined ? intOption('--concurrency', f.concurrency, 1024, 1, 100_000) : undefined,
    timeoutMs: f.timeout !== undefined ? intOption('--timeout', f.timeout, 1000, 1, 600_000) : undefined,
    retries: f.retries !== undefined ? intOption('--retries', f.retries, 1, 0, 20) : undefined,
    workers: f.workers !== undefined ? intOption('--workers', f.workers, 1, 0, 256) : undefined,
    // one seed for every node, so a run is reproducible from the seed printed with -v
    seed: String(parseSeed(f.seed)),
    banner: !!f.banner,
    bannerTimeoutMs: f.bannerTimeout !== undefined ? intOption('--banner-timeout', f.bannerTimeout, 2000, 1, 600_000) : undefined,
    states: resolveStates(f.states),
    maxTargets,
    allowLargeScan: !!f.allowLargeScan,
    dryRun: !!f.dryRun,
  };
}

function openSinks(f: ScanFlags): EventWriter[] {
  // a dry run writes nothing: its count goes to stderr with the summary
  if (f.dryRun) return [];
  const chosen = choiceOption('--format', f.format, OUTPUT_FORMATS);
  const sinks: EventWriter[] = [];
  if (f.output) {
    const format: OutputFormat = outputFileFormat(f.output, chosen);
    let fd: number;
    try {
      fd = openSync(f.output, 'w');
    } catch (e) {
      throw new UsageError(`cannot write '${f.output}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    // a file or a pipe keeps whole lines; only a terminal's width cuts them
    sinks.push(createWriter(format, createWriteStream('', { fd }), { columns: Infinity }));
  }
  // stdout carries data only: the table on a terminal, JSONL when piped (unless -o took the data).
  if (!f.output || process.stdout.isTTY) {
    const format: OutputFormat = f.output ? 'table' : chosen ?? (process.stdout.isTTY ? 'table' : 'jsonl');
    // the table escapes its cells itself; JSON stays the same JSON (C1 and bidi as \u escapes)
    const out = process.stdout.isTTY && format !== 'table' ? escapedTerminal(process.stdout, format === 'csv' ? linesForTerminal : jsonForTerminal) : process.stdout;
    sinks.push(createWriter(format, out, { columns: process.stdout.isTTY ? (process.stdout.columns ?? 100) : Infinity }));
  }
  return sinks;
}

function counter(run: RunResult, module: string, name: string): number {
  return run.nodes.filter((n) => n.module === module).reduce((sum, n) => sum + (n.counters[name] ?? 0), 0);
}

export async function runScanCommand(targetArgs: string[], raw: Record<string, unknown>): Promise<number> {
  const f = raw as ScanFlags;
  const started = performance.now();
  const abort = new AbortController();
  let interrupted: string | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) process.exit(SIGNAL_EXIT[sig] ?? 130); // a second signal: leave now
    interrupted = sig;
    abort.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // stderr lines carry plugin errors, manifest values and file names: never raw to the terminal
  const say = (m: string): void => void process.stderr.write(`wasmap: ${forTerminal(m)}\n`);
  const warn = (m: string): void => say(`warning: ${m}`);
  let runtime: PluginRuntime | undefined;

  try {
    const settings = scanSettings(targetArgs, f);
    const board = new ProgressBoard();
    const registry = builtinRegistry(board);
    let dag = applyScanSettings(await loadProfile(f.profile ?? 'default'), settings);
    let refused: RefusedPlugin[] = [];
    let plugins: LoadedPlugin[] = [];
    const given = await pluginFiles(f.plugin ?? [], f.pluginDir ?? []);
    let unbuilt: string[] = [];
    if (pluginModulesOf(dag, registry).length > 0 || given.length > 0) {
      // The sandbox (binaryen, workers) loads only when a plugin is asked for.
      const { PluginRuntime } = await import('../sandbox/index.js');
      runtime = new PluginRuntime({ limits: parseLimits(f.pluginLimit), allowNet: f.allowNet ?? [] });
      const set = await loadRunPlugins(runtime, dag, registry, given, abort.signal); // Ctrl-C stops a long Asyncify transform
      if (!f.quiet) for (const p of set.replaced) say(`plugin ${p.manifest.name} from ${p.path} replaces the bundled one`);
      if (interrupted) throw new Error('interrupted'); // a load cut short by the signal is no refusal
      // a plugin the user named is input: if it cannot load, nothing runs (one line per plugin)
      if (set.refusedGiven.length > 0) {
        for (const r of set.refusedGiven) say(`error: plugin ${r.source} refused: ${r.message}`);
        return 2;
      }
      ({ refused, plugins, missing: unbuilt } = set);
      for (const r of refused) say(`plugin ${r.source} refused: ${r.message}`);
      if (f.strictPlugins && refused.length > 0) throw new UsageError(`--strict-plugins: ${refused.length} plugin(s) refused`);
      // profile plugins already have their node; the others get one each
      const inProfile = new Set(dag.nodes.map((n) => n.module));
      dag = addPluginNodes(dag, plugins.filter((p) => !inProfile.has(p.manifest.name)), f, plugins);
    }
    if (unbuilt.length > 0) {
      const what = `profile '${f.profile ?? 'default'}' uses bundled plugins that are not available (${unbuilt.join(', ')})`;
      if (f.strictPlugins) throw new UsageError(`--strict-plugins: ${what}: run npm run build`);
      // the scan still runs: ports and banners are worth having without detection
      warn(`${what}: scanning without them (run npm run build)`);
      dag = { ...dag, nodes: dag.nodes.filter((n) => !unbuilt.includes(n.module)) };
    }
    const issues = validateDag(dag, registry);
    if (issues.length > 0) throw new UsageError(formatIssue(issues[0]!));
    const sinks = openSinks(f);
    const jobId = randomUUID();
    if (f.verbose) {
      say(`job ${jobId}, profile ${f.profile ?? 'default'}, seed ${settings.seed}`);
      // what runs where: each plugin of the DAG and the ports it is called on
      for (const p of plugins) say(`plugin ${p.manifest.name} (${p.manifest.kind}): ${p.manifest.kind === 'scanner' || p.manifest.kind === 'detection' ? describeMatch(p.manifest.match) : p.manifest.kind === 'evaluator' ? 'each host, after its ports' : 'once, on all events'}`);
    }

    let events = 0;
    for (const r of refused) {
      events++;
      const ev = withJobId(refusalEvent(r), jobId);
      for (const s of sinks) s.write(ev);
    }
    if (runtime) board.setDetection(() => detectionProgress(runtime!));
    const bar = f.quiet ? undefined : new ProgressBar(() => board.read());
    bar?.begin();
    const run = await runDag(dag, {
      registry,
      signal: abort.signal,
      onEvent: (ev: Readonly<ScanEvent>) => {
        events++;
        const stamped = withJobId(ev as ScanEvent, jobId);
        for (const s of sinks) s.write(stamped);
      },
      onLog: (r) => {
        if (r.level === 'warn' || r.level === 'error') warn(r.msg);
        else if (f.verbose) say(`${r.nodeId}: ${r.msg}`);
      },
    });
    bar?.end();

    const failed = run.nodes.filter((n) => n.status === 'failed');
    const usage = failed.find((n) => n.error_code && isUsageCode(n.error_code));
    if (usage) {
      await Promise.all(sinks.map((s) => s.close()));
      say(`error: ${usage.error}`);
      return 2;
    }
    for (const n of failed) warn(`${n.id} (${n.module}) failed: ${n.error}`);

    const elapsed = performance.now() - started;
    const probes = counter(run, 'tcp_probe_discovery', 'probes') + counter(run, 'connect_scanner', 'probes') + counter(run, 'udp_scanner', 'probes');
    const hasDiscovery = run.nodes.some((n) => n.module === 'tcp_probe_discovery');
    const summary: ScanSummary = {
      job_id: jobId,
      hosts: counter(run, 'target_expansion', 'hosts'),
      ...(hasDiscovery ? { hosts_up: counter(run, 'tcp_probe_discovery', 'hosts_up') } : {}),
      ports_probed: probes,
      open: counter(run, 'connect_scanner', 'open') + counter(run, 'udp_scanner', 'open'),
      events,
      elapsed_ms: Math.round(elapsed),
      rate: probes / Math.max(elapsed / 1000, 0.001),
      ...(interrupted ? { interrupted } : {}),
    };
    await Promise.all(sinks.map((s) => s.close(summary)));
    if (f.verbose) say(`nodes: ${run.nodes.map((n) => `${n.id} ${n.status} ${n.duration_ms} ms`).join(', ')}`);
    if (!f.quiet) process.stderr.write(summaryLine(summary) + '\n');
    if (interrupted) return SIGNAL_EXIT[interrupted] ?? 130;
    return failed.length > 0 ? 1 : 0;
  } catch (e) {
    // stopped before the scan ran (e.g. while plugins load): nothing was found, say so and leave as a signal does
    if (interrupted) {
      say(`interrupted by ${interrupted} before the scan started: nothing found`);
      return SIGNAL_EXIT[interrupted] ?? 130;
    }
    return reportFatal(e);
  } finally {
    await runtime?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
