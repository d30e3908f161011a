/**
 * Runs a DAG: every node at once (a depends_on barrier holds a node until
 * those nodes finished), lifecycle initialize → configure → execute →
 * cleanup, data streaming between nodes through the DataContext.
 *
 * A failing node records its error, keeps what it already wrote and closes
 * its keys, so its consumers finish and the other nodes go on. Cancellation
 * is the caller's AbortSignal, handed to every node; a node that ignores it
 * keeps the run waiting, which is why modules must watch `io.signal`.
 */
import { setMaxListeners } from 'node:events';
import { isWasmapError, WasmapError } from '../errors.js';
import type { ScanEvent } from '../model/event.js';
import { validateConfig } from './config-schema.js';
import type { ExecutionIO, LogLevel, ModuleEnv, ModuleInstance } from './module.js';
import type { ModuleRegistry } from './registry.js';
import { DagInvalidError, type Dag } from './dag.js';
import { DataContext } from './data-context.js';
import { writtenKeys, type WiredNode } from './dag-wiring.js';
import { effectiveConfig, validateDag, type ConfigOverrides } from './dag-validate.js';
import { EVENTS_KEY, parseNamespacedKey } from '../model/key-contracts.js';
import { storeItem, viewOf } from './freeze.js';
import { overallStatus, type NodeStatus, type NodeSummary, type RunSummary } from './summary.js';

export interface LogRecord {
  nodeId: string;
  module: string;
  level: LogLevel;
  msg: string;
}

export interface EventOrigin {
  nodeId: string;
  module: string;
}

export interface RunOptions {
  registry: ModuleRegistry;
  signal?: AbortSignal;
  /** every event a node emits, frozen, in emission order */
  onEvent?: (ev: Readonly<ScanEvent>, from: EventOrigin) => void;
  /** module log lines; dropped when absent */
  onLog?: (rec: LogRecord) => void;
  /** config set from the command line, per node id; validated with the node's config */
  overrides?: ConfigOverrides;
  /**
   * Keys the result's `context` keeps besides those some node reads
   * (default: none; `all` keeps every key). Memory then follows what the DAG
   * needs, not the size of the scan.
   */
  keep?: readonly string[] | 'all';
}

export interface RunResult extends RunSummary {
  /** everything the nodes wrote, for callers that want results rather than events */
  context: DataContext;
}

/** 10 µs resolution: enough to order nodes, short in JSON */
const round = (ms: number): number => Math.round(ms * 100) / 100;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

declare const CHECKED: unique symbol;
/** A DAG that `checkDag` accepted (with the registry and overrides it will run with). */
export type CheckedDag = Dag & { readonly [CHECKED]: true };

/** Validates `dag`; throws DagInvalidError (WASMAP_DAG) listing every issue. */
export function checkDag(dag: Dag, registry: ModuleRegistry, overrides?: ConfigOverrides): CheckedDag {
  const issues = validateDag(dag, registry, overrides);
  if (issues.length > 0) throw new DagInvalidError(dag.name, issues);
  return dag as CheckedDag;
}

/** Validates then runs `dag`; throws DagInvalidError (WASMAP_DAG) listing every issue. */
export async function runDag(dag: Dag, opts: RunOptions): Promise<RunResult> {
  return runCheckedDag(checkDag(dag, opts.registry, opts.overrides), opts);
}

/** Runs a DAG already validated (a caller that checks before it opens outputs validates once). */
export async function runCheckedDag(dag: CheckedDag, opts: RunOptions): Promise<RunResult> {
  const wired: WiredNode[] = dag.nodes.map((node) => ({ node, descriptor: opts.registry.get(node.module)! }));
  const ctx = new DataContext(wired.map((w) => ({ nodeId: w.node.id, module: w.descriptor.name, keys: writtenKeys(w.descriptor) })), retention(wired, opts.keep));
  const signal = opts.signal ?? new AbortController().signal;
  // every node and each of its in-flight operations listens for cancellation
  setMaxListeners(0, signal);
  const t0 = performance.now();
  const finished = new Map<string, Promise<void>>();
  const summaries = new Map<string, NodeSummary>();

  const runNode = async (w: WiredNode): Promise<void> => {
    const { node, descriptor: d } = w;
    await Promise.all(node.depends_on.map((id) => finished.get(id)));
    // one instant for started_ms and duration_ms, so started_ms + duration_ms is the node's end
    const started = performance.now();
    const s: NodeSummary = { id: node.id, module: d.name, status: 'ok', started_ms: round(started - t0), duration_ms: 0, writes: {}, events: 0, counters: {} };
    summaries.set(node.id, s);
    const who = `module "${d.name}" (node "${node.id}")`;
    const log = (level: LogLevel, msg: string): void => opts.onLog?.({ nodeId: node.id, module: d.name, level, msg });
    const provides = new Set(d.provides);
    const requires = new Set([...d.requires, ...(d.uses ?? [])]);
    const eventsShared = writtenKeys(d).includes(EVENTS_KEY);
    let open = true;
    const guard = (what: string): void => {
      if (!open) throw new WasmapError('WASMAP_DAG', `${who} called ${what} after it finished`);
    };
    const countWrite = (key: string): void => { s.writes[key] = (s.writes[key] ?? 0) + 1; };
    const emit = (ev: ScanEvent): void => {
      guard('event()');
      // readers of `events` are not its producers (see dag-wiring.ts): their events go to the sink only
      const frozen = eventsShared && ctx.retains(EVENTS_KEY) ? ctx.write<ScanEvent>(node.id, d.name, EVENTS_KEY, ev) : viewOf<ScanEvent>(storeItem(ev, who, EVENTS_KEY));
      s.events++;
      opts.onEvent?.(frozen, { nodeId: node.id, module: d.name });
    };
    const checkRead = (key: string): void => {
      if (!requires.has(key)) throw new WasmapError('WASMAP_DAG', `${who} read "${key}", which it does not declare in requires (${[...requires].join(', ') || 'none'})`);
    };
    const io: ExecutionIO = {
      signal,
      read<T>(key: string): AsyncIterable<Readonly<T>> {
        checkRead(key);
        return ctx.read<T>(key, { reader: node.id, signal });
      },
      all<T>(key: string): Promise<ReadonlyArray<Readonly<T>>> {
        checkRead(key);
        return ctx.all<T>(key, { reader: node.id, signal });
      },
      write(key: string, item: unknown): void {
        guard(`write("${key}")`);
        if (!provides.has(key)) throw new WasmapError('WASMAP_DAG', `${who} wrote "${key}", which it does not declare in provides (${[...provides].join(', ') || 'none'})`);
        if (key === EVENTS_KEY) { emit(item as ScanEvent); return; }
        ctx.write(node.id, d.name, key, item);
        countWrite(key);
      },
      event: emit,
      hasProducers(key: string): boolean {
        checkRead(key);
        return ctx.hasProducers(key, node.id);
      },
      count(counter: string, n = 1): void {
        s.counters[counter] = (s.counters[counter] ?? 0) + n;
      },
      log,
    };
    const env: ModuleEnv = { nodeId: node.id, moduleName: d.name, log };

    let status: NodeStatus = 'ok';
    let error: string | undefined;
    let errorCode: string | undefined;
    let instance: ModuleInstance | undefined;
    try {
      signal.throwIfAborted();
      instance = d.create();
      await instance.initialize?.(env);
      signal.throwIfAborted();
      // validateDag already accepted this config; this pass fills the defaults
      await instance.configure?.(validateConfig(d.config, effectiveConfig(node, opts.overrides)).value);
      signal.throwIfAborted();
      await instance.execute(io);
      if (signal.aborted) status = 'cancelled';
    } catch (e) {
      if (signal.aborted) status = 'cancelled';
      else {
        status = 'failed';
        error = message(e);
        if (isWasmapError(e)) errorCode = e.code;
      }
    } finally {
      try {
        await instance?.cleanup?.();
      } catch (e) {
        if (status === 'ok') { status = 'failed'; error = `cleanup: ${message(e)}`; }
        else log('warn', `cleanup failed: ${message(e)}`);
      }
      open = false;
      ctx.finish(node.id);
      s.status = status;
      if (error !== undefined) s.error = error;
      if (errorCode !== undefined) s.error_code = errorCode;
      s.duration_ms = round(performance.now() - started);
    }
  };

  // finished promises never reject: a failed dependency still releases its dependents
  for (const w of topoOrder(wired)) finished.set(w.node.id, runNode(w).catch(() => undefined));
  await Promise.all(finished.values());

  const nodes = wired.map((w) => summaries.get(w.node.id)!);
  return { dag: dag.name, status: overallStatus(nodes), duration_ms: round(performance.now() - t0), nodes, context: ctx };
}

/** Which keys the DataContext stores: those a node reads (plain or namespaced), plus `keep`. */
function retention(wired: readonly WiredNode[], keep: RunOptions['keep']): ((key: string) => boolean) | undefined {
  if (keep === 'all') return undefined;
  const read = new Set<string>(keep ?? []);
  for (const w of wired) {
    for (const k of [...w.descriptor.requires, ...(w.descriptor.uses ?? [])]) {
      read.add(k);
      read.add(parseNamespacedKey(k)?.key ?? k);
    }
  }
  return (key) => read.has(key);
}

/** depends_on order, so each node's barrier promise exists before the node starts waiting on it */
function topoOrder(wired: readonly WiredNode[]): WiredNode[] {
  const byId = new Map(wired.map((w) => [w.node.id, w]));
  const seen = new Set<WiredNode>();
  const out: WiredNode[] = [];
  const visit = (w: WiredNode): void => {
    if (seen.has(w)) return;
    seen.add(w);
    for (const dep of w.node.depends_on) visit(byId.get(dep)!);
    out.push(w);
  };
  wired.forEach(visit);
  return out;
}
