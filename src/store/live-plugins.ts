/**
 * The installed plugins of a long-running process (the library user, a
 * worker), kept current without a restart: on `reload()`, when plugins.lock
 * is replaced (every install, update and remove renames a new one into
 * place) or config.toml changes, and on SIGHUP.
 *
 *   const runtime = new PluginRuntime();
 *   const live = await InstalledPlugins.open(runtime, { watch: true });
 *   const scanner = await Scanner.prepare(targets, { installed: live });   // this scan: the versions current now
 *
 * A reload loads what changed (by name and sha256), swaps, then unloads the
 * old versions: an invocation already running finishes on the version it
 * started with (the runtime lets running invocations end), and a scan holds
 * its versions (`acquire`) until it closes, so one scan never mixes two.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { LoadedPlugin, PluginRuntime } from '../sandbox/index.js';
import { openInstalled, type InstalledPlugin } from './installed.js';
import { loadInstalled, readStore } from './load-installed.js';
import { lockFile, storePaths, type StorePaths } from './paths.js';

export interface InstalledRefusal {
  name: string;
  /** one line naming the plugin: `installed plugin NAME VERSION refused: …` */
  message: string;
}

/** What one reload changed; a plugin refused now that ran before is in `removed` and `refused`. */
export interface ReloadReport {
  added: string[];
  updated: string[];
  removed: string[];
  /** every installed plugin refused by this reload (tampered, revoked, untrusted, not loadable) */
  refused: InstalledRefusal[];
}

export interface LiveOptions {
  /** default: storePaths(process.env) */
  paths?: StorePaths;
  /** reload when plugins.lock or config.toml is replaced, and on SIGHUP */
  watch?: boolean;
  /** after a reload that changed something (watched or called) */
  onChange?: (report: ReloadReport) => void;
  /** each plugin newly refused (default: a process warning) */
  onRefused?: (name: string, message: string) => void;
  /** a watched reload that failed, e.g. a broken plugins.lock: the current set stays (default: a process warning) */
  onError?: (error: Error) => void;
}

/** The versions a scan runs, held until `release()`. */
export interface InstalledLease {
  plugins: readonly LoadedPlugin[];
  refused: readonly InstalledRefusal[];
  release(): void;
}

/**
 * Plugins already loaded in a runtime the caller keeps, lent to one scan at
 * a time: the live installed set, or a distributed worker's plugins of one
 * scan (loaded once, run by every shard).
 */
export interface LoadedPluginSource {
  readonly runtime: PluginRuntime;
  acquire(): InstalledLease;
  /** run in every profile (a worker's plugins are the scan's own), not only in those that run plugins */
  readonly everyProfile?: boolean;
}

/** Events closer together than this become one reload (an install renames a blob, then the lock). */
const DEBOUNCE_MS = 50;

interface Current {
  installed: InstalledPlugin;
  plugin: LoadedPlugin;
}

function warn(message: string): void {
  process.emitWarning(message, { code: 'WASMAP_STORE' });
}

export class InstalledPlugins implements LoadedPluginSource {
  readonly runtime: PluginRuntime;
  readonly paths: StorePaths;
  readonly #opts: LiveOptions;
  #current = new Map<string, Current>();
  #refused = new Map<string, string>();
  /** plugins held by scans, and how many times */
  readonly #leases = new Map<LoadedPlugin, number>();
  /** replaced or removed while held: unloaded at their last release */
  readonly #retired = new Set<LoadedPlugin>();
  #queue: Promise<unknown> = Promise.resolve();
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onHup = (): void => this.#reloadQuietly();

  private constructor(runtime: PluginRuntime, opts: LiveOptions) {
    this.runtime = runtime;
    this.paths = opts.paths ?? storePaths();
    this.#opts = opts;
  }

  /** Loads what is installed; throws StoreError (one line) when plugins.lock or config.toml is broken. */
  static async open(runtime: PluginRuntime, opts: LiveOptions = {}): Promise<InstalledPlugins> {
    const live = new InstalledPlugins(runtime, opts);
    try {
      // watching first: a change made while the first load runs is not missed
      if (opts.watch) await live.#watch();
      await live.reload();
    } catch (e) {
      live.close();
      throw e;
    }
    return live;
  }

  list(): LoadedPlugin[] {
    return [...this.#current.values()].map((c) => c.plugin);
  }

  get(name: string): LoadedPlugin | undefined {
    return this.#current.get(name)?.plugin;
  }

  refused(): InstalledRefusal[] {
    return [...this.#refused].map(([name, message]) => ({ name, message }));
  }

  /** The current versions, kept loaded until `release()` even if a reload replaces them. */
  acquire(): InstalledLease {
    const plugins = this.list();
    for (const p of plugins) this.#leases.set(p, (this.#leases.get(p) ?? 0) + 1);
    let released = false;
    return {
      plugins,
      refused: this.refused(),
      release: () => {
        if (released) return;
        released = true;
        for (const p of plugins) {
          const n = this.#leases.get(p)! - 1;
          if (n > 0) this.#leases.set(p, n);
          else {
            this.#leases.delete(p);
            if (this.#retired.delete(p)) this.runtime.unload(p);
          }
        }
      },
    };
  }

  /**
   * Reads the store again and swaps in what changed. Reloads run one at a
   * time, in call order; each reads the store when its turn comes. Throws
   * StoreError for a broken plugins.lock or config.toml (nothing changes).
   */
  reload(): Promise<ReloadReport> {
    const next = this.#queue.then(() => this.#reloadNow());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Stops watching; plugins no scan holds are unloaded from the runtime (which stays the caller's). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    process.off('SIGHUP', this.#onHup);
    for (const { plugin } of this.#current.values()) this.#retire(plugin);
    this.#current.clear();
  }

  async #reloadNow(): Promise<ReloadReport> {
    const view = await readStore(this.paths);
    const report: ReloadReport = { added: [], updated: [], removed: [], refused: [] };
    const next = new Map<string, Current>();
    const refused = new Map<string, string>();
    await Promise.all(
      view.installed.map(async (p) => {
        const name = p.entry.name;
        const cur = this.#current.get(name);
        try {
          if (cur && cur.installed.file === p.file) {
            // the same file: check it again (changed on disk, revoked, no longer trusted) without a new load
            await openInstalled(p, view.config);
            next.set(name, { installed: p, plugin: cur.plugin });
            return;
          }
          next.set(name, { installed: p, plugin: await loadInstalled(this.runtime, p, view.config) });
          (cur ? report.updated : report.added).push(name);
        } catch (e) {
          refused.set(name, (e as Error).message.split('\n')[0]!);
        }
      }),
    );
    if (this.#closed) {
      // closed while loading: what this reload loaded is nobody's
      for (const [name, c] of next) if (this.#current.get(name)?.plugin !== c.plugin) this.runtime.unload(c.plugin);
      return report;
    }
    const old = this.#current;
    this.#current = next;
    for (const [name, c] of old) {
      if (next.get(name)?.plugin === c.plugin) continue;
      if (!next.has(name)) report.removed.push(name);
      this.#retire(c.plugin);
    }
    const before = this.#refused;
    this.#refused = refused;
    for (const [name, message] of refused) {
      report.refused.push({ name, message });
      if (before.get(name) !== message) (this.#opts.onRefused ?? ((_n: string, m: string) => warn(m)))(name, message);
    }
    for (const list of [report.added, report.updated, report.removed]) list.sort();
    const changed = report.added.length + report.updated.length + report.removed.length > 0 || [...refused].some(([n, m]) => before.get(n) !== m);
    if (changed) this.#opts.onChange?.(report);
    return report;
  }

  #retire(plugin: LoadedPlugin): void {
    if (this.#leases.has(plugin)) this.#retired.add(plugin);
    else this.runtime.unload(plugin);
  }

  #reloadQuietly(): void {
    this.reload().catch((e: Error) => (this.#opts.onError ?? ((x: Error) => warn(x.message)))(e));
  }

  /** plugins.lock of each store and config.toml: each is replaced by a rename, seen in its folder. */
  async #watch(): Promise<void> {
    // the SIGHUP listener first: with it in place the signal no longer ends the process
    process.on('SIGHUP', this.#onHup);
    await mkdir(this.paths.userDir, { recursive: true });
    const targets = [...[this.paths.userDir, ...this.paths.systemDirs].map((d) => lockFile(d)), this.paths.configFile];
    for (const file of targets) {
      let w: FSWatcher;
      try {
        w = watch(dirname(file), { persistent: false }, (_event, name) => {
          if (name === basename(file)) this.#schedule();
        });
      } catch (e) {
        // a system store or config folder that does not exist yet: SIGHUP still reloads
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      w.on('error', (e) => (this.#opts.onError ?? ((x: Error) => warn(x.message)))(e));
      this.#watchers.push(w);
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#reloadQuietly(), DEBOUNCE_MS);
    this.#timer.unref();
  }
}
