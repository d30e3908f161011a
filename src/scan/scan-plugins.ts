/**
 * Loads a scan's plugins: the user's files and folders, then the bundled
 * plugins its profile names. The same rules for the CLI and the library:
 * a plugin the user named that does not load stops the scan
 * (PluginsRefusedError); a bundled one that is refused or not built is left
 * out with a notice, unless `strictPlugins`.
 */
import { UsageError, WasmapError } from '../errors.js';
import type { Dag } from '../engine/dag.js';
import type { ModuleRegistry } from '../engine/registry.js';
import type { LoadedPlugin, PluginRuntime } from '../sandbox/index.js';
import { loadRunPlugins, pluginFiles, pluginModulesOf, type RefusedPlugin } from '../modules/plugins/plugin-set.js';
import { addPluginNodes } from './plugin-nodes.js';
import { PluginsRefusedError } from './plugins-refused-error.js';
import type { ScanNotice, ScanOptions } from './scan-options.js';

export interface ScanPlugins {
  /** absent when the DAG needs no plugin (the sandbox is then never loaded) */
  runtime?: PluginRuntime;
  /** the DAG with a node per given plugin, and without bundled plugins that are missing */
  dag: Dag;
  plugins: LoadedPlugin[];
  /** bundled plugins left out; each becomes an error event in the output */
  refused: RefusedPlugin[];
}

export async function loadScanPlugins(dag: Dag, registry: ModuleRegistry, profile: string, o: ScanOptions, notice: (n: ScanNotice) => void): Promise<ScanPlugins> {
  const given = await pluginFiles(o.plugins ?? [], o.pluginDirs ?? []);
  if (pluginModulesOf(dag, registry).length === 0 && given.length === 0) return { dag, plugins: [], refused: [] };
  // The sandbox (binaryen, workers) loads only when a plugin is asked for.
  const { PluginRuntime } = await import('../sandbox/index.js');
  const runtime = new PluginRuntime({ limits: o.pluginLimits ?? {}, allowNet: o.allowNet ?? [] });
  try {
    const set = await loadRunPlugins(runtime, dag, registry, given, o.signal); // the signal stops a long Asyncify transform
    for (const p of set.replaced) notice({ kind: 'replaced', message: `plugin ${p.manifest.name} from ${p.path} replaces the bundled one` });
    // a load cut short by the signal is no refusal
    if (o.signal?.aborted) throw new WasmapError('WASMAP_ABORTED', 'scan aborted by its signal while plugins loaded', { cause: o.signal.reason });
    if (set.refusedGiven.length > 0) throw new PluginsRefusedError(set.refusedGiven);
    for (const r of set.refused) notice({ kind: 'refused', message: `plugin ${r.source} refused: ${r.message}` });
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
    return { runtime, dag: out, plugins: set.plugins, refused: set.refused };
  } catch (e) {
    await runtime.close();
    throw e;
  }
}
