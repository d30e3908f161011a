/**
 * What a queued scan and a resumable local one share: the plan and the
 * local Scanner (its settings, plugins and evaluators), each shard's events
 * emitted once whatever path brought it, the items the evaluators need, and
 * the end: evaluators on every host's results, then the summed summary.
 */
import { UsageError } from '../errors.js';
import { withJobId, type ScanEvent } from '../model/event.js';
import type { ProgressReading } from '../modules/builtin/progress-board.js';
import type { LoadedPlugin } from '../sandbox/index.js';
import type { RunHooks, ScanOutcome, Scanner } from '../scan/scanner.js';
import { EVALUATOR_KEYS, type ScanPlan, type ShardResult } from './protocol.js';
import { sumSummaries } from './shard-summary.js';
import { tileProbes } from './tiles.js';

export abstract class ShardedScan {
  protected readonly done = new Map<number, ShardResult>();
  protected readonly failed = new Map<number, string>();
  readonly #started = performance.now();
  #ran = false;
  #events = 0;
  #hooks: RunHooks = {};
  // every key the evaluators may require, even when no shard brought any (all failed): their DAG must still check
  readonly #kept: Record<string, unknown[]> = Object.fromEntries(EVALUATOR_KEYS.map((k) => [k, []]));

  protected constructor(
    readonly plan: ScanPlan,
    /** the local side: options, plugins checked at prepare, evaluators */
    protected readonly scanner: Scanner,
  ) {}

  get jobId(): string {
    return this.plan.scanId;
  }

  get profile(): string {
    return this.scanner.profile;
  }

  get settings(): Scanner['settings'] {
    return this.scanner.settings;
  }

  get plugins(): readonly LoadedPlugin[] {
    return this.scanner.plugins;
  }

  /** shards that failed for good (each also an error event) */
  get failedShards(): number {
    return this.failed.size;
  }

  /** shards finished or failed for good */
  protected get settled(): number {
    return this.done.size + this.failed.size;
  }

  progress(): ProgressReading {
    let completed = 0;
    let open = 0;
    for (const r of this.done.values()) {
      completed += tileProbes(this.plan.tiles[r.shard]!);
      open += r.summary.open;
    }
    for (const n of this.failed.keys()) completed += tileProbes(this.plan.tiles[n]!);
    return { phase: 'shards', completed, total: this.plan.tiles.reduce((s, t) => s + tileProbes(t), 0), open };
  }

  /** Starts the one run: events go to `hooks` from here on. */
  protected begin(hooks: RunHooks): void {
    if (this.#ran) throw new UsageError('a sharded scan runs once: prepare another');
    this.#ran = true;
    this.#hooks = hooks;
  }

  protected emit(ev: ScanEvent): void {
    this.#events++;
    this.#hooks.onEvent?.(withJobId(ev, this.plan.scanId));
  }

  /** A finished shard's events and items; false when it was seen already (exactly once, whichever path saw it first). */
  protected take(r: ShardResult): boolean {
    if (this.done.has(r.shard) || this.failed.has(r.shard)) return false;
    this.done.set(r.shard, r);
    for (const ev of r.events) this.emit(ev);
    for (const [k, items] of Object.entries(r.kept)) (this.#kept[k] ??= []).push(...items);
    return true;
  }

  /** A shard that failed for good: an error event; false when it was settled already. */
  protected fail(n: number, error: string): boolean {
    if (this.done.has(n) || this.failed.has(n)) return false;
    this.failed.set(n, error);
    this.emit(shardFailedEvent(this.plan, n, error));
    return true;
  }

  /** The evaluators on what the shards found (unless stopped), and the summary. */
  protected async finish(signal: AbortSignal | undefined): Promise<ScanOutcome> {
    let evaluated: ScanOutcome | undefined;
    if (!signal?.aborted && this.plan.evaluators.length > 0) evaluated = await this.scanner.evaluate(this.#kept, { onEvent: (ev) => this.emit(ev), onLog: this.#hooks.onLog, signal });
    const summary = sumSummaries(this.plan, this.done, evaluated?.summary, this.plan.scanId, this.#events, performance.now() - this.#started);
    return { summary, nodes: evaluated?.nodes ?? [], failed: evaluated?.failed ?? [], kept: {} };
  }
}

/** The error event a shard that failed for good leaves in the output. */
function shardFailedEvent(plan: ScanPlan, n: number, error: string): ScanEvent {
  const t = plan.tiles[n]!;
  return {
    origin: { type: 'shard', module: 'error', ts: Date.now(), ip: '', job_id: plan.scanId },
    target: { ip: '', port: 0, protocol: 'tcp' },
    result: { data: { shard: n, hosts: t.hosts, ports: [plan.ports[t.ports[0]], plan.ports[t.ports[1] - 1]] }, status: 'shard-failed', error },
  };
}
