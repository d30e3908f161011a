/**
 * Installed plugins into a runtime, for a scan or a long-running process:
 * the store is read whole first (a broken plugins.lock or config.toml is
 * one StoreError before anything loads), then each plugin is checked again
 * (openInstalled) and loaded from the checked bytes — never from the path,
 * which could change between the check and the read.
 */
import type { LoadedPlugin, PluginRuntime } from '../sandbox/index.js';
import { readConfig, type StoreConfig } from './config.js';
import { listInstalled, openInstalled, type InstalledPlugin } from './installed.js';
import type { StorePaths } from './paths.js';
import { StoreError } from './store-error.js';

export interface StoreView {
  config: StoreConfig;
  /** user store first; a name installed in several stores appears once */
  installed: InstalledPlugin[];
}

/** Throws StoreError (one line) for an unreadable or malformed plugins.lock or config.toml. */
export async function readStore(paths: StorePaths): Promise<StoreView> {
  const config = await readConfig(paths.configFile);
  return { config, installed: await listInstalled(paths) };
}

/**
 * Checks and loads one installed plugin. Throws StoreError with one line
 * naming it (`installed plugin NAME VERSION refused: …`) when the store
 * refuses it or the runtime does.
 */
export async function loadInstalled(runtime: PluginRuntime, p: InstalledPlugin, config: StoreConfig, signal?: AbortSignal): Promise<LoadedPlugin> {
  const bytes = await openInstalled(p, config);
  const what = `installed plugin ${p.entry.name} ${p.entry.version}`;
  let plugin: LoadedPlugin;
  try {
    plugin = await runtime.load(bytes, { signal });
  } catch (e) {
    throw new StoreError(`${what} refused: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (plugin.manifest.name !== p.entry.name) {
    runtime.unload(plugin);
    throw new StoreError(`${what} refused: its manifest names it '${plugin.manifest.name}'; reinstall it`);
  }
  // messages and `module list` name the file it came from, not `<bytes>`
  plugin.path = p.file;
  return plugin;
}
