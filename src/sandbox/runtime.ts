import { channel } from 'node:diagnostics_channel';
import { availableParallelism } from 'node:os';
import { UsageError, WasmapError } from '../errors.js';
import { workerUrl } from '../worker-url.js';
import { validateConfig } from './config.js';
import { parseAllowNet, type AllowEntry } from './host/scope.js';
import { resolveLimits } from './limits.js';
import { defaultMemoryBudgetMb, mbToPages, PAGE } from './memory-budget.js';
import { loadPlugin } from './plugin.js';
import { WorkerPool, type PoolMemory } from './pool.js';
import { encode } from './msgpack.js';
import { readWasm } from './wasm-binary.js';
import type { InvocationInput, InvocationResult, Limits, LoadedPlugin, RuntimeOptions } from './types.js';
import type { WireInput } from './wire.js';

/** Tracing: `{ name, sha256, asyncified }` per plugin loaded, `{ source, message }` per refusal. */
const loaded = channel('wasmap:plugin:load');
const refused = channel('wasmap:plugin:refused');

const NO_CONFIG: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * The plugin runtime: loads plugins, hands them to a pool of workers (about
 * one per core) and runs invocations there. Options are resolved once here.
 */
export class PluginRuntime {
  readonly #limits: Partial<Limits>;
  readonly #allowNet: AllowEntry[];
  readonly #workers: number;
  readonly #memory: PoolMemory;
  readonly #cacheDir: string | undefined;
  readonly #script: string | URL;
  #pool: WorkerPool | undefined;
  #closed = false;
  #ids = new WeakMap<LoadedPlugin, number>();
  #nextPid = 1;
  #configKeys = new WeakMap<object, { config: Record<string, unknown>; key: string }>();

  constructor(opts: RuntimeOptions = {}) {
    this.#limits = { ...opts.limits };
    resolveLimits(this.#limits, undefined); // throws UsageError naming a bad limit
    this.#allowNet = (opts.allowNet ?? []).map((s) => {
      try {
        return parseAllowNet(s);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    });
    this.#workers = Math.max(1, opts.workers ?? availableParallelism());
    this.#memory = memoryBudget(opts, this.#workers);
    this.#cacheDir = opts.cacheDir;
    this.#script = opts.workerScript ?? workerUrl('./worker.js', import.meta.url);
  }

  /** Workers stopped by the CPU watchdog so far. */
  get workerKills(): number {
    return this.#pool?.kills ?? 0;
  }

  /** Innocent invocations re-run elsewhere after their worker was stopped. */
  get reruns(): number {
    return this.#pool?.reruns ?? 0;
  }

  /** Names of the plugins quarantined so far: they run on a worker of their own, or are refused (ABI A6). */
  get quarantined(): string[] {
    return this.#pool?.quarantined() ?? [];
  }

  /**
   * The plugin memory budget (ABI A6) in bytes, and what is charged against
   * it: now, and the most at any moment so far.
   */
  get pluginMemory(): { budgetBytes: number; workerBudgetBytes: number; usedBytes: number; peakBytes: number } {
    const use = this.#pool?.memoryUse() ?? { usedBytes: 0, peakBytes: 0 };
    return { budgetBytes: this.#memory.totalPages * PAGE, workerBudgetBytes: this.#memory.workerPages * PAGE, ...use };
  }

  #getPool(): WorkerPool {
    if (this.#closed) throw new WasmapError('WASMAP_INTERNAL', 'plugin runtime is closed');
    return (this.#pool ??= new WorkerPool(this.#workers, this.#script, this.#allowNet, this.#memory));
  }

  /** `signal` stops a load in progress (an Asyncify transform): the plugin is refused as interrupted. */
  async load(pathOrBytes: string | Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<LoadedPlugin> {
    let p: LoadedPlugin;
    try {
      p = await loadPlugin(pathOrBytes, { cacheDir: this.#cacheDir, limits: this.#limits, signal: opts.signal });
    } catch (e) {
      if (refused.hasSubscribers)
        refused.publish({ source: typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>', message: (e as Error).message });
      throw e;
    }
    this.#register(p);
    if (loaded.hasSubscribers) loaded.publish({ name: p.manifest.name, sha256: p.sha256, asyncified: p.asyncified });
    return p;
  }

  #register(p: LoadedPlugin): number {
    let pid = this.#ids.get(p);
    if (pid !== undefined) return pid;
    pid = this.#nextPid++;
    this.#ids.set(p, pid);
    // A plugin loaded elsewhere gets this runtime's limits; its memory cap stays as loaded.
    const limits = { ...resolveLimits(this.#limits, p.manifest.limits), memory_mb: p.limits.memory_mb };
    // The memory's maximum as the engine enforces it (capped at load).
    const max = readWasm(p.runBytes).memories[0]?.maximum;
    const memoryPages = Math.min(max ?? Infinity, mbToPages(p.limits.memory_mb));
    this.#getPool().register({ pid, module: p.module, manifest: p.manifest, limits, asyncified: p.asyncified, memoryPages });
    return pid;
  }

  /** Forgets a plugin: workers drop its module and idle instances (running invocations finish). */
  unload(plugin: LoadedPlugin): void {
    const pid = this.#ids.get(plugin);
    if (pid === undefined) return;
    this.#ids.delete(plugin);
    this.#pool?.drop(pid);
  }

  validateConfig(plugin: LoadedPlugin, cfg: Record<string, unknown>): Record<string, unknown> {
    return validateConfig(plugin.manifest, cfg);
  }

  /**
   * Runs one invocation. Resolves for anything the plugin does (trap, limit,
   * bad output: status `application-error`); rejects only for caller errors
   * (UsageError: bad config, missing target) or a closed runtime. Emits are
   * handed to `onEmit` in order as they arrive (see pool.ts for re-runs).
   */
  async invoke(plugin: LoadedPlugin, input: InvocationInput, onEmit?: (r: Record<string, unknown>) => void): Promise<InvocationResult> {
    const pid = this.#register(plugin);
    const kind = plugin.manifest.kind;
    if ((kind === 'scanner' || kind === 'detection') && !input.target)
      throw new UsageError(`plugin ${plugin.manifest.name}: a ${kind} invocation needs a target`);
    const { config, key } = this.#config(plugin, input.config ?? NO_CONFIG);
    // ABI §7 input map: the requires keys, then target and config (which win).
    const bytes = encode(input.target ? { ...input.context, target: input.target, config } : { ...input.context, config });
    const job: WireInput = { bytes, config };
    if (input.target) job.target = input.target;
    const { result } = await this.#getPool().run(pid, plugin.manifest, key, job, onEmit);
    return result;
  }

  /** Validated config and its instance-pool key, memoised per config object. */
  #config(plugin: LoadedPlugin, raw: Record<string, unknown>): { config: Record<string, unknown>; key: string } {
    const hit = this.#configKeys.get(raw);
    if (hit) return hit;
    const config = validateConfig(plugin.manifest, raw);
    const key = JSON.stringify(config, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    const entry = { config, key };
    this.#configKeys.set(raw, entry);
    return entry;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const p = this.#pool;
    this.#pool = undefined;
    await p?.close();
  }
}


/** The plugin memory budgets: RuntimeOptions, else half the machine's memory shared by the workers. */
function memoryBudget(opts: RuntimeOptions, workers: number): PoolMemory {
  for (const key of ['memoryBudgetMb', 'workerMemoryBudgetMb'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 1 << 24)) throw new UsageError(`${key} must be a positive integer of MiB (at most ${1 << 24})`);
  }
  const totalPages = mbToPages(opts.memoryBudgetMb ?? defaultMemoryBudgetMb());
  const workerPages = Math.min(totalPages, opts.workerMemoryBudgetMb !== undefined ? mbToPages(opts.workerMemoryBudgetMb) : Math.floor(totalPages / workers));
  return { totalPages, workerPages };
}
