/**
 * Loads a scan's plugins: the user's files and folders, the installed ones
 * (the plugin store, src/store/), then the bundled plugins its profile
 * names. The same rules for the CLI and the library: a plugin the user
 * named that does not load stops the scan (PluginsRefusedError); an
 * installed or bundled one that is refused or not built is left out with a
 * notice, unless `strictPlugins`.
 */
import { UsageError, WasmapError } from '../errors.js';
import type { Dag } from '../engine/dag.js';
import type { ModuleRegistry } from '../engine/registry.js';
import type { LoadedPlugin, PluginRuntime } from '../sandbox/index.js';
import { readStore } from '../store/load-installed.js';
import { storePaths } from '../store/paths.js';
import { loadRunPlugins, pluginFiles, pluginModulesOf, refusalLine, type InstalledSource, type RefusedPlugin } from '../modules/plugins/plugin-set.js';
import { leaseSource, storeSource } from './installed-source.js';
import { addPluginNodes } from './plugin-nodes.js';
import { PluginsRefusedError } from './plugins-refused-error.js';
import type { ScanNotice, ScanOptions } from './scan-options.js';

export interface ScanPlugins {
  /** absent when the DAG needs no plugin (the sandbox is then never loaded) */
  runtime?: PluginRuntime;
  /** the DAG with a node per given or installed plugin, and without bundled plugins that are missing */
  dag: Dag;
  plugins: LoadedPlugin[];
  /** installed and bundled plugins left out; each becomes an error event in the output */
  refused: RefusedPlugin[];
  /** ends what this scan loaded: its own runtime, or its plugins in the caller's (`installed`) */
  release(): Promise<void>;
}

const NOTHING = async (): Promise<void> => undefined;

export async function loadScanPlugins(dag: Dag, registry: ModuleRegistry, profile: string, o: ScanOptions, notice: (n: ScanNotice) => void): Promise<ScanPlugins> {
  const given = await pluginFiles(o.plugins ?? [], o.pluginDirs ?? []);
  const profileRunsPlugins = pluginModulesOf(dag, registry).length > 0;
  if ((o.installed || o.runtime) && (o.pluginLimits !== undefined || (o.allowNet ?? []).length > 0))
    throw new UsageError('pluginLimits and allowNet belong to the runtime of `installed` or `runtime` (PluginRuntime options), not to one scan');
  // installed plugins join the profiles that run plugins, as bundled ones do (`ports` stays a bare port scan)
  const useInstalled = o.installedPlugins !== false && (profileRunsPlugins || o.installed?.everyProfile === true);
  // the store is read first: a broken plugins.lock or config.toml is one line before anything loads or is sent
  const store = useInstalled && !o.installed ? await readStore(o.storePaths ?? storePaths()) : undefined;
  if (!profileRunsPlugins && given.length === 0 && !(useInstalled && o.installed)) return { dag, plugins: [], refused: [], release: NOTHING };
  // The sandbox (binaryen, workers) loads only when a plugin is asked for.
  const runtime = o.runtime ?? o.installed?.runtime ?? new (await import('../sandbox/index.js')).PluginRuntime({ limits: o.pluginLimits ?? {}, allowNet: o.allowNet ?? [] });
  const lease = useInstalled ? o.installed?.acquire() : undefined;
  const source: InstalledSource | undefined = lease ? leaseSource(lease) : store ? storeSource(runtime, store, o.signal) : undefined;
  let loaded: LoadedPlugin[] = [];
  // a shared runtime keeps the live set's plugins; everything else this scan loaded goes
  const release = async (): Promise<void> => {
    if (!o.installed && !o.runtime) return runtime.close();
    for (const p of loaded) if (!lease?.plugins.includes(p)) runtime.unload(p);
    lease?.release();
  };
  try {
    const set = await loadRunPlugins(runtime, dag, registry, given, o.signal, source, o.bundledPluginDir); // the signal stops a long Asyncify transform
    loaded = set.plugins;
    for (const p of set.replaced) notice({ kind: 'replaced', message: `plugin ${p.manifest.name} from ${p.path} replaces the bundled one` });
    for (const p of set.shadowedInstalled) notice({ kind: 'replaced', message: `plugin ${p.manifest.name} from ${p.path} takes the place of the installed one` });
    for (const p of set.replacedByInstalled) notice({ kind: 'replaced', message: `installed plugin ${p.manifest.name} ${p.manifest.version} replaces the bundled one` });
    // a load cut short by the signal is no refusal
    if (o.signal?.aborted) throw new WasmapError('WASMAP_ABORTED', 'scan aborted by its signal while plugins loaded', { cause: o.signal.reason });
    if (set.refusedGiven.length > 0) throw new PluginsRefusedError(set.refusedGiven);
    for (const r of set.refused) notice({ kind: 'refused', message: refusalLine(r) });
    if (o.strictPlugins && set.refused.length > 0) throw new UsageError(`--strict-plugins: ${set.refused.length} plugin(s) refused`);
    // profile plugins already have their node; the others get one each
    const inProfile = new Set(dag.nodes.map((n) => n.module));
    let out = addPluginNodes(dag, set.plugins.filter((p) => !inProfile.has(p.manifest.name)), o, set.plugins);
    if (set.missing.length > 0) {
      const what = `profile '${profile}' uses bundled plugins that are not available (${set.missing.join(', ')})`;
      if (o.strictPlugins) throw new UsageError(`--strict-plugins: ${what}: run npm run build`);
      // the scan still runs: ports and banners are worth having without detection
      notice({ kind: 'missing', message: `${what}: scanning without them (run npm run build)` });
      out = { ...out, nodes: out.nodes.filter((n) => !set.missing.includes(n.module)) };
    }
    return { runtime, dag: out, plugins: set.plugins, refused: set.refused, release };
  } catch (e) {
    await release();
    throw e;
  }
}
