/**
 * One scan, set up the same way for the CLI and the library:
 * settings → DAG (a bundled profile with the settings applied) → target
 * plans → plugins → one validation, then `run()` → summary.
 *
 *   const scanner = await Scanner.prepare(['127.0.0.1'], { ports: '22,80' });
 *   try {
 *     const { summary } = await scanner.run({ onEvent: (ev) => console.log(ev) });
 *   } finally {
 *     await scanner.close();
 *   }
 *
 * `prepare` throws (typed, coded) for anything the user can fix, before an
 * output is opened or a packet sent; a Scanner runs once.
 */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors.js';
import { checkDag, runCheckedDag, type CheckedDag, type LogRecord } from '../engine/dag-executor.js';
import { ModuleRegistry } from '../engine/registry.js';
import type { Dag } from '../engine/dag.js';
import { contextReplay, CONTEXT_REPLAY } from '../modules/builtin/context-replay.js';
import type { NodeSummary } from '../engine/summary.js';
import { severityFilter, withJobId, type ScanEvent } from '../model/event.js';
import type { ScanSummary } from '../report/summary.js';
import type { LoadedPlugin, PluginRuntime } from '../sandbox/index.js';
import { builtinModules, ProgressBoard } from '../modules/builtin/index.js';
import type { ProgressReading } from '../modules/builtin/progress-board.js';
import { applyScanSettings, loadProfile, type ScanSettings } from '../modules/builtin/scan-dag.js';
import { targetExpansionWith, type TargetPlan } from '../modules/builtin/target-expansion.js';
import { refusalEvent, type RefusedPlugin } from '../modules/plugins/plugin-set.js';
import { detectionProgress } from '../modules/plugins/detection-progress.js';
import type { ScanNotice, ScanOptions } from './scan-options.js';
import { scanSettingsOf } from './scan-settings.js';
import { hasUdpPorts, planTargetNodes } from './target-plans.js';
import { loadScanPlugins } from './scan-plugins.js';
import { summarizeRun } from './scan-summary.js';

export interface RunHooks {
  /** every event, stamped with the scan's job id: refused plugins first, then as found */
  onEvent?: (ev: ScanEvent) => void;
  onLog?: (record: LogRecord) => void;
  /** stops the run (default: the signal given to `prepare`) */
  signal?: AbortSignal;
  /** DataContext keys whose items the outcome returns (a distributed shard hands them to the coordinator's evaluators) */
  keep?: readonly string[];
}

export interface ScanOutcome {
  summary: ScanSummary;
  /** per node: status, timing, counters */
  nodes: NodeSummary[];
  failed: NodeSummary[];
  /** the items of `RunHooks.keep`'s keys */
  kept: Record<string, readonly unknown[]>;
}

/** The built-in modules, target_expansion taking the plans made in `prepare`. */
function scanRegistry(board: ProgressBoard, plans: ReadonlyMap<string, TargetPlan>): ModuleRegistry {
  const registry = new ModuleRegistry();
  const planned = targetExpansionWith(plans);
  for (const m of builtinModules(board)) registry.register(m.name === planned.name ? planned : m);
  return registry;
}

/** `dag` without the nodes of these modules (a distributed shard leaves evaluators to its coordinator). */
function withoutModules(dag: Dag, modules: readonly string[] = []): Dag {
  if (modules.length === 0) return dag;
  const gone = new Set(dag.nodes.filter((n) => modules.includes(n.module)).map((n) => n.id));
  return { ...dag, nodes: dag.nodes.filter((n) => !gone.has(n.id)).map((n) => ({ ...n, depends_on: n.depends_on.filter((d) => !gone.has(d)) })) };
}

/** A library caller without `onNotice` still hears of plugins left out. */
function warnNotice(n: ScanNotice): void {
  if (n.kind !== 'replaced') process.emitWarning(n.message, { code: 'WASMAP_PLUGINS' });
}

export class Scanner {
  readonly jobId = randomUUID();
  #ran = false;
  #release: (() => Promise<void>) | undefined;

  private constructor(
    readonly profile: string,
    readonly settings: Readonly<ScanSettings>,
    readonly dag: CheckedDag,
    readonly plugins: readonly LoadedPlugin[],
    readonly refused: readonly RefusedPlugin[],
    private readonly registry: ModuleRegistry,
    private readonly board: ProgressBoard,
    runtime: PluginRuntime | undefined,
    release: () => Promise<void>,
    private readonly signal: AbortSignal | undefined,
    private readonly started: number,
    private readonly plans: ReadonlyMap<string, TargetPlan>,
    private readonly severity: readonly string[] | undefined,
  ) {
    if (runtime) board.setDetection(() => detectionProgress(runtime));
    this.#release = release;
  }

  static async prepare(targets: string[], opts: ScanOptions = {}): Promise<Scanner> {
    const started = performance.now();
    const settings = scanSettingsOf(targets, opts);
    const profile = opts.profile ?? 'default';
    const base = await loadProfile(profile);
    const plans = await planTargetNodes(applyScanSettings(base, settings));
    // U: ports (or a profile's UDP ports) add a udp_scanner node
    const withUdp = { ...settings, hasUdpPorts: hasUdpPorts(plans) };
    const board = new ProgressBoard();
    const registry = scanRegistry(board, plans);
    const loaded = await loadScanPlugins(applyScanSettings(base, withUdp), registry, profile, opts, opts.onNotice ?? warnNotice);
    let dag: CheckedDag;
    try {
      dag = checkDag(withoutModules(loaded.dag, opts.excludeModules), registry);
    } catch (e) {
      await loaded.release();
      throw e;
    }
    return new Scanner(profile, withUdp, dag, loaded.plugins, loaded.refused, registry, board, loaded.runtime, loaded.release, opts.signal, started, plans, opts.severity);
  }

  /** The scan's target set and ports, as planned (one target_expansion node; more: the first). */
  get targetPlan(): TargetPlan {
    const first = this.plans.values().next();
    if (first.done) throw new UsageError(`profile '${this.profile}' has no target_expansion node`);
    return first.value;
  }

  /** what the scan does now, for a progress display */
  progress(): ProgressReading {
    return this.board.read();
  }

  /** Runs the scan once; resolves when every node has finished (or was cancelled). */
  async run(hooks: RunHooks = {}): Promise<ScanOutcome> {
    if (this.#ran) throw new UsageError('a Scanner runs once: prepare another');
    this.#ran = true;
    let events = 0;
    const keep = this.#keep();
    const deliver = (ev: ScanEvent): void => {
      const kept = keep(ev);
      if (!kept) return;
      events++;
      hooks.onEvent?.(withJobId(kept, this.jobId));
    };
    for (const r of this.refused) deliver(refusalEvent(r));
    const run = await runCheckedDag(this.dag, {
      registry: this.registry,
      signal: hooks.signal ?? this.signal,
      onEvent: (ev) => deliver(ev as ScanEvent),
      onLog: hooks.onLog,
      ...(hooks.keep ? { keep: hooks.keep } : {}),
    });
    const summary = summarizeRun(run.nodes, this.registry, { jobId: this.jobId, events, elapsedMs: performance.now() - this.started });
    const kept = Object.fromEntries((hooks.keep ?? []).map((k) => [k, run.context.getAll(k)]));
    return { summary, nodes: run.nodes, failed: run.nodes.filter((n) => n.status === 'failed'), kept };
  }

  /** What reaches the caller: all events, or with `severity` only the findings asked for. */
  #keep(): (ev: ScanEvent) => ScanEvent | undefined {
    return this.severity ? severityFilter(this.severity) : (ev) => ev;
  }

  /** Names of the evaluator plugins this scan runs. */
  get evaluators(): string[] {
    return this.plugins.filter((p) => p.manifest.kind === 'evaluator').map((p) => p.manifest.name);
  }

  /**
   * Runs only the evaluator nodes, on items found elsewhere (the shards of a
   * distributed scan): each host is evaluated once, with all its ports.
   */
  async evaluate(items: Readonly<Record<string, readonly unknown[]>>, hooks: RunHooks = {}): Promise<ScanOutcome> {
    const names = this.evaluators;
    const nodes = this.dag.nodes.filter((n) => names.includes(n.module)).map((n) => ({ ...n, depends_on: [] }));
    const registry = new ModuleRegistry();
    for (const m of this.registry.list()) if (m.name !== CONTEXT_REPLAY) registry.register(m);
    registry.register(contextReplay(items));
    const dag = checkDag({ name: `${this.dag.name} (evaluators)`, nodes: [{ id: CONTEXT_REPLAY, module: CONTEXT_REPLAY, depends_on: [], config: {} }, ...nodes] }, registry);
    let events = 0;
    const keep = this.#keep();
    const run = await runCheckedDag(dag, {
      registry,
      signal: hooks.signal ?? this.signal,
      onEvent: (ev) => {
        const kept = keep(ev as ScanEvent);
        if (!kept) return;
        events++;
        hooks.onEvent?.(withJobId(kept, this.jobId));
      },
      onLog: hooks.onLog,
    });
    const summary = summarizeRun(run.nodes, registry, { jobId: this.jobId, events, elapsedMs: performance.now() - this.started });
    return { summary, nodes: run.nodes, failed: run.nodes.filter((n) => n.status === 'failed'), kept: {} };
  }

  /**
   * Ends the plugin workers, or with `installed` (a runtime the caller
   * owns) unloads what this scan loaded and lets go of its installed
   * versions; call it whether or not the scan ran.
   */
  async close(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    await release?.();
  }
}

