/**
 * The plugins of a run: loaded from --plugin files and --plugin-dir folders,
 * the plugin store and the bundled set into one runtime, each registered as
 * a module. A plugin the loader refuses is reported (stderr and an error
 * event) and left out; the scan goes on.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.js';
import type { LoadedPlugin, PluginRuntime } from '../../sandbox/index.js';
import type { ModuleRegistry } from '../../engine/registry.js';
import type { Dag } from '../../engine/dag.js';
import type { ScanEvent } from '../../model/event.js';
import { pluginModule } from './plugin-module.js';

export interface RefusedPlugin {
  source: string;
  message: string;
  /** an installed plugin: `message` is the whole line and names it (StoreError) */
  installed?: boolean;
}

/** The one line that tells the user a plugin was left out. */
export function refusalLine(r: RefusedPlugin): string {
  return r.installed ? r.message : `plugin ${r.source} refused: ${r.message}`;
}

/**
 * The installed plugins a run may use (src/store/): their names, and a load
 * of all but `skip` (names a given plugin took) — from the store for one
 * scan, or the current versions of a live set in a long-running process.
 */
export interface InstalledSource {
  names: readonly string[];
  load(skip: ReadonlySet<string>): Promise<PluginSet>;
}

export interface PluginSet {
  plugins: LoadedPlugin[];
  refused: RefusedPlugin[];
}

/**
 * The first-party plugins `npm run build` compiles (plugins-wasm/* → dist/plugins).
 * From TypeScript sources (vitest) it is the same folder under dist/.
 */
export function bundledPluginDir(): string {
  // WASMAP_BUNDLED_PLUGINS points elsewhere (a packager's layout, or a test of a build without them)
  if (process.env.WASMAP_BUNDLED_PLUGINS) return process.env.WASMAP_BUNDLED_PLUGINS;
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../../dist/plugins/' : '../../plugins/', import.meta.url));
}

/** The bundled plugin files for these module names (names with no bundled plugin are left out). */
export function bundledPluginFiles(names: Iterable<string>, dir = bundledPluginDir()): string[] {
  return [...new Set(names)].map((n) => join(dir, `${n}.wasm`)).filter((f) => existsSync(f));
}

/** Every bundled plugin that was built. */
export async function allBundledPluginFiles(): Promise<string[]> {
  const dir = bundledPluginDir();
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((n) => n.endsWith('.wasm')).sort().map((n) => join(dir, n));
}

export async function pluginFiles(files: string[], dirs: string[]): Promise<string[]> {
  const out = [...files];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      throw new UsageError(`cannot read plugin directory '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    out.push(...names.filter((n) => n.endsWith('.wasm')).sort().map((n) => join(dir, n)));
  }
  return out;
}

/** Loads every file; registers the good ones in `registry` (a name clash is a refusal too). */
export async function loadPluginSet(runtime: PluginRuntime, files: string[], registry: ModuleRegistry, signal?: AbortSignal): Promise<PluginSet> {
  const set: PluginSet = { plugins: [], refused: [] };
  // loads overlap (file reads, compiles on V8's background threads); registering keeps file order
  const loads = await Promise.allSettled(files.map((f) => runtime.load(f, { signal })));
  loads.forEach((r, i) => {
    try {
      if (r.status === 'rejected') throw r.reason;
      const plugin = r.value;
      if (registry.has(plugin.manifest.name)) {
        const other = registry.get(plugin.manifest.name)!;
        throw new Error(`its name '${plugin.manifest.name}' is already taken by ${other.origin === 'plugin' ? `plugin ${other.source}` : 'a built-in module'}`);
      }
      registry.register(pluginModule({ runtime, plugin }));
      set.plugins.push(plugin);
    } catch (e) {
      set.refused.push({ source: basename(files[i]!), message: (e as Error).message.split('\n')[0]! });
    }
  });
  return set;
}

/** What a run loads: the plugins of its DAG, the user's and the installed ones, and what is missing. */
export interface RunPlugins extends PluginSet {
  /** given plugins that took the place of a bundled one of the same name */
  replaced: LoadedPlugin[];
  /** installed plugins that took the place of a bundled one of the same name */
  replacedByInstalled: LoadedPlugin[];
  /** given plugins that took the place of an installed one of the same name */
  shadowedInstalled: LoadedPlugin[];
  /** modules the DAG names that neither a built-in, a given nor a bundled plugin provides */
  missing: string[];
  /** refusals of plugins the user named (--plugin, --plugin-dir): bad input, not a warning */
  refusedGiven: RefusedPlugin[];
}

/** Modules a DAG names that are not built-in: bundled plugins (dags/*.yaml) or the user's. */
export function pluginModulesOf(dag: Dag, registry: ModuleRegistry): string[] {
  return dag.nodes.map((n) => n.module).filter((m) => !registry.has(m));
}

/** Registers installed plugins already loaded; a name a built-in module has is refused. */
function registerInstalled(runtime: PluginRuntime, loaded: PluginSet, registry: ModuleRegistry): PluginSet {
  const set: PluginSet = { plugins: [], refused: [...loaded.refused] };
  for (const plugin of loaded.plugins) {
    const { name, version } = plugin.manifest;
    if (registry.has(name)) {
      set.refused.push({ source: name, message: `installed plugin ${name} ${version} refused: its name '${name}' is taken by a built-in module`, installed: true });
      continue;
    }
    registry.register(pluginModule({ runtime, plugin }));
    set.plugins.push(plugin);
  }
  return set;
}

/**
 * Loads the user's plugin files first — one named like a bundled plugin
 * takes its place (an author's new build) — then the installed plugins
 * (one named like a bundled plugin takes its place too), then the bundled
 * plugins the DAG still needs.
 */
export async function loadRunPlugins(runtime: PluginRuntime, dag: Dag, registry: ModuleRegistry, given: string[] = [], signal?: AbortSignal, installed?: InstalledSource, bundledDir?: string): Promise<RunPlugins> {
  const wanted = pluginModulesOf(dag, registry);
  const mine = await loadPluginSet(runtime, given, registry, signal);
  const mineNames = new Set(mine.plugins.map((p) => p.manifest.name));
  const inst = installed ? registerInstalled(runtime, await installed.load(mineNames), registry) : { plugins: [], refused: [] };
  const bundled = await loadPluginSet(runtime, bundledPluginFiles(wanted.filter((m) => !registry.has(m)), bundledDir), registry, signal);
  return {
    plugins: [...bundled.plugins, ...inst.plugins, ...mine.plugins],
    refused: [...bundled.refused, ...inst.refused, ...mine.refused],
    replaced: mine.plugins.filter((p) => wanted.includes(p.manifest.name)),
    replacedByInstalled: inst.plugins.filter((p) => wanted.includes(p.manifest.name)),
    shadowedInstalled: mine.plugins.filter((p) => installed?.names.includes(p.manifest.name)),
    missing: wanted.filter((m) => !registry.has(m)),
    refusedGiven: mine.refused.map((r) => ({ ...r, message: r.message + fixFor(r.message) })),
  };
}

/** What the user can do about a refusal, when there is one obvious step. */
function fixFor(message: string): string {
  if (/no wasmap\.manifest custom section/.test(message))
    return ' — a bare compiler output: build it with `wasmap plugin build DIR`, or add a manifest with `wasmap plugin pack FILE plugin.toml -o OUT.wasm`';
  if (/not a valid WebAssembly module/.test(message)) return ' — is it the .wasm that `wasmap plugin build` wrote?';
  if (/cannot open \(ENOENT\)/.test(message)) return ' — no such file';
  return '';
}

/** The error event a refused plugin leaves in the output. */
export function refusalEvent(r: RefusedPlugin): ScanEvent {
  return {
    origin: { type: r.source, module: 'error', ts: Date.now(), ip: '', job_id: '' },
    target: { ip: '', port: 0, protocol: 'tcp' },
    result: { data: {}, status: 'load-error', error: r.message },
  };
}
