/**
 * Where a scan's installed plugins come from: the store, read and checked
 * for this scan, or a live set (src/store/live-plugins.ts) whose current
 * versions the scan holds until it closes.
 */
import type { LoadedPlugin, PluginRuntime } from '../sandbox/index.js';
import type { InstalledSource, PluginSet } from '../modules/plugins/plugin-set.js';
import { loadInstalled, type StoreView } from '../store/load-installed.js';
import type { InstalledLease } from '../store/live-plugins.js';

/** Loads each installed plugin a given one did not take; a refusal is its one StoreError line. */
export function storeSource(runtime: PluginRuntime, store: StoreView, signal?: AbortSignal): InstalledSource {
  return {
    names: store.installed.map((p) => p.entry.name),
    async load(skip) {
      const todo = store.installed.filter((p) => !skip.has(p.entry.name));
      const loads = await Promise.allSettled(todo.map((p) => loadInstalled(runtime, p, store.config, signal)));
      const set: PluginSet = { plugins: [], refused: [] };
      loads.forEach((r, i) => {
        if (r.status === 'fulfilled') set.plugins.push(r.value);
        else set.refused.push({ source: todo[i]!.entry.name, message: (r.reason as Error).message.split('\n')[0]!, installed: true });
      });
      return set;
    },
  };
}

/** The versions a lease holds (already loaded in the live set's runtime). */
export function leaseSource(lease: InstalledLease): InstalledSource {
  return {
    names: [...lease.plugins.map((p) => p.manifest.name), ...lease.refused.map((r) => r.name)],
    async load(skip) {
      const plugins: LoadedPlugin[] = lease.plugins.filter((p) => !skip.has(p.manifest.name));
      return { plugins, refused: lease.refused.filter((r) => !skip.has(r.name)).map((r) => ({ source: r.name, message: r.message, installed: true })) };
    },
  };
}
