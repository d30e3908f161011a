/**
 * `wasmap scan … --resume FILE` without --queue: a local scan run shard by
 * shard (the same plan and tiles as a queued one), each finished shard
 * appended to FILE as it completes. Run again with the same FILE after a
 * Ctrl-C, a crash or a lost machine: finished shards are read back (their
 * events emitted again, so the new output is the whole result set), the
 * rest are scanned, then the evaluators run on everything.
 *
 * FILE: line 1 `{"wasmap_scan_state":1,"plan":…,"files":…}`, then one line
 * per finished shard (base64 msgpack, as a queued shard's result).
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { bundledPluginDir } from '../modules/plugins/plugin-set.js';
import type { PluginRuntime } from '../sandbox/index.js';
import type { ScanOptions } from '../scan/scan-options.js';
import { Scanner, type RunHooks, type ScanOutcome } from '../scan/scanner.js';
import type { LoadedPluginSource } from '../store/live-plugins.js';
import { planScan } from './plan-scan.js';
import { decodePlan, decodeResult, encodePlan, encodeResult, VERSION, type ScanPlan, type ShardResult } from './protocol.js';
import { preloadPlan, runTile, tileTargets } from './run-tile.js';
import { ShardedScan } from './sharded-scan.js';
import { DEFAULT_SHARD_SIZE } from './tiles.js';

interface PluginFiles {
  given: string[];
  bundledDir: string;
  /** sha256 → the file it was loaded from */
  paths: Record<string, string>;
}

interface StateHeader {
  wasmap_scan_state: 1;
  plan: unknown;
  files: PluginFiles;
}

export interface LocalShardOptions {
  stateFile: string;
  shardSize?: number;
  command?: string;
  /** a shard finished (progress for people) */
  onShard?: (s: { n: number; done: number; total: number }) => void;
}

async function readState(file: string): Promise<{ plan: ScanPlan; files: PluginFiles; done: ShardResult[] }> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  let header: StateHeader;
  try {
    header = JSON.parse(lines[0]!) as StateHeader;
  } catch {
    throw new UsageError(`--resume ${file}: not a wasmap scan state file`);
  }
  if (header.wasmap_scan_state !== 1) throw new UsageError(`--resume ${file}: not a wasmap scan state file`);
  const plan = decodePlan(JSON.stringify(header.plan));
  if (plan.version !== VERSION) throw new UsageError(`--resume ${file}: written by wasmap ${plan.version}; this is ${VERSION}`);
  const done: ShardResult[] = [];
  // a line cut short by a crash is the last one: that shard runs again
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    try {
      done.push(decodeResult(line));
    } catch {
      break;
    }
  }
  return { plan, files: header.files, done };
}

export class LocalShardedScan extends ShardedScan {
  #plugins: LoadedPluginSource | undefined;
  #noBundled: string | undefined;

  private constructor(
    plan: ScanPlan,
    private readonly files: PluginFiles,
    scanner: Scanner,
    private readonly previous: ShardResult[],
    private readonly runtime: PluginRuntime,
    private readonly o: LocalShardOptions,
    private readonly signal: AbortSignal | undefined,
  ) {
    super(plan, scanner);
  }

  /** shards finished in an earlier run of this state file */
  get resumed(): number {
    return this.previous.length;
  }

  static async prepare(targets: string[], opts: ScanOptions, o: LocalShardOptions): Promise<LocalShardedScan> {
    const shardSize = o.shardSize ?? DEFAULT_SHARD_SIZE;
    if (opts.dryRun) throw new UsageError('--dry-run and --resume: a dry run sends nothing to resume');
    let plan: ScanPlan;
    let files: PluginFiles;
    let previous: ShardResult[] = [];
    let scanner: Scanner;
    if (existsSync(o.stateFile)) {
      ({ plan, files, done: previous } = await readState(o.stateFile));
      // the evaluators run here: the plan's options and plugin files (each checked against the plan's sha256 below)
      scanner = await Scanner.prepare(tileTargets(plan, plan.tiles[0]!).slice(0, 1), {
        ...plan.options,
        ports: String(plan.ports[0]),
        plugins: files.given,
        bundledPluginDir: files.bundledDir,
        installedPlugins: false,
        signal: opts.signal,
        onNotice: () => undefined,
      });
    } else {
      scanner = await Scanner.prepare(targets, opts);
      plan = planScan(scanner, targets, opts, shardSize, o.command);
      files = {
        given: scanner.plugins.filter((p) => !plan.plugins.some((x) => x.sha256 === p.sha256 && x.role === 'bundled')).map((p) => p.path),
        bundledDir: bundledPluginDir(),
        paths: Object.fromEntries(scanner.plugins.map((p) => [p.sha256, p.path])),
      };
      const header: StateHeader = { wasmap_scan_state: 1, plan: JSON.parse(encodePlan(plan)), files };
      await writeFile(o.stateFile, `${JSON.stringify(header)}\n`, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`--resume ${o.stateFile}: cannot write it (${e.code ?? e.message})`);
      });
    }
    const changed = scanner.plugins.find((p) => !plan.plugins.some((x) => x.sha256 === p.sha256));
    if (changed) {
      await scanner.close();
      throw new UsageError(`--resume ${o.stateFile}: plugin ${changed.manifest.name} changed since the scan started (sha256 ${changed.sha256.slice(0, 16)}…); finish it with the same plugins, or start a new state file`);
    }
    const { PluginRuntime } = await import('../sandbox/index.js');
    const runtime = new PluginRuntime({ limits: plan.options.pluginLimits ?? {}, allowNet: plan.options.allowNet ?? [] });
    return new LocalShardedScan(plan, files, scanner, previous, runtime, o, opts.signal);
  }

  async run(hooks: RunHooks = {}): Promise<ScanOutcome> {
    this.begin(hooks);
    const signal = hooks.signal ?? this.signal;
    const plan = this.plan;
    const take = (r: ShardResult): void => {
      if (this.take(r)) this.o.onShard?.({ n: r.shard, done: this.done.size, total: plan.tiles.length });
    };
    for (const r of this.previous) take(r);
    for (const tile of plan.tiles) {
      if (signal?.aborted) break;
      if (this.done.has(tile.n)) continue;
      let r: ShardResult;
      try {
        // loaded once, checked against the plan's hashes (a file changed since the scan started is refused)
        this.#plugins ??= await preloadPlan(plan, this.runtime, (p) => readFile(this.files.paths[p.sha256] ?? join(this.files.bundledDir, `${p.name}.wasm`)));
        this.#noBundled ??= await mkdtemp(join(tmpdir(), 'wasmap-no-bundled-'));
        r = await runTile(plan, tile, { plugins: this.#plugins, noBundled: this.#noBundled, rate: plan.options.rate ?? 0, signal, worker: 'local' });
      } catch (e) {
        if (signal?.aborted) break; // stopped while the shard set up: it runs again on resume
        throw e;
      }
      // a shard cut short by the signal is not finished: it runs again on resume
      if (signal?.aborted) break;
      await appendDurably(this.o.stateFile, `${encodeResult(r)}\n`);
      take(r);
    }
    return this.finish(signal);
  }

  async close(): Promise<void> {
    await this.scanner.close();
    await this.runtime.close();
    if (this.#noBundled) await rm(this.#noBundled, { recursive: true, force: true });
  }
}

/** A finished shard is on disk before it counts: appended and flushed. */
async function appendDurably(file: string, line: string): Promise<void> {
  await appendFile(file, line);
  const fh = await open(file, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
