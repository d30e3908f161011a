/**
 * The DAG nodes loaded plugins become: one per plugin the profile does not
 * already run, with config from `NAME.KEY=VALUE` and `NAME.KEY=PATH` (a
 * file's text), and a banner node when detection needs one.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Dag, DagNode } from '../engine/dag.js';
import type { LoadedPlugin } from '../sandbox/index.js';
import { parseConfigAssignment } from '../engine/config-schema.js';
import { OUTPUT_FILE_KEY } from '../modules/plugins/plugin-module.js';
import type { ScanOptions } from './scan-options.js';

/** The most a config file may hold: it travels to the plugin with every invocation. */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

export type PluginNodeOptions = Pick<ScanOptions, 'pluginConfig' | 'pluginConfigFiles' | 'pluginOutput' | 'screenshots'>;

/** `NAME.KEY=PATH`: a file's text as a string config value (e.g. a probe database the user has). */
function readConfigFile(item: string, all: LoadedPlugin[], configs: Map<string, Record<string, unknown>>): void {
  const m = /^([^.=]+)\.([^=]+)=(.+)$/.exec(item);
  if (!m) throw new UsageError(`--plugin-config-file takes NAME.KEY=PATH, got '${item}'`);
  const [, name, key, path] = m as unknown as [string, string, string, string];
  const cfg = configs.get(name);
  const plugin = all.find((p) => p.manifest.name === name);
  if (!cfg || !plugin) throw new UsageError(`--plugin-config-file '${item}': no loaded plugin named '${name}'`);
  const field = plugin.manifest.config[key];
  if (!field) throw new UsageError(`--plugin-config-file '${item}': plugin ${name} has no config key "${key}"`);
  if (field.type !== 'string') throw new UsageError(`--plugin-config-file '${item}': config key "${key}" is ${field.type}, a file gives a string`);
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new UsageError(`--plugin-config-file '${item}': cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > MAX_CONFIG_FILE_BYTES) throw new UsageError(`--plugin-config-file '${item}': ${path} is ${size} bytes, over the ${MAX_CONFIG_FILE_BYTES}-byte cap`);
  try {
    cfg[key] = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--plugin-config-file '${item}': cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Adds one node per plugin of `plugins`; `all` (every loaded plugin) takes config where it already has a node. */
export function addPluginNodes(dag: Dag, plugins: LoadedPlugin[], o: PluginNodeOptions, all: LoadedPlugin[] = plugins): Dag {
  const nodes: DagNode[] = dag.nodes.map((n) => ({ ...n, config: { ...n.config } }));
  const configs = new Map<string, Record<string, unknown>>(plugins.map((p) => [p.manifest.name, {}]));
  // plugins that already have a node (from the profile) take their config there
  for (const n of nodes) if (all.some((p) => p.manifest.name === n.module)) configs.set(n.module, n.config);
  for (const item of o.pluginConfig ?? []) {
    const dot = item.indexOf('.');
    const name = dot > 0 ? item.slice(0, dot) : '';
    const cfg = configs.get(name);
    const plugin = all.find((p) => p.manifest.name === name);
    if (!cfg || !plugin) throw new UsageError(`--plugin-config '${item}': no loaded plugin named '${name}' (use NAME.KEY=VALUE)`);
    const { key, value } = parseConfigAssignment(item.slice(dot + 1), plugin.manifest.config);
    cfg[key] = value;
  }
  for (const item of o.pluginConfigFiles ?? []) readConfigFile(item, all, configs);
  // asking for screenshots turns on every plugin's `screenshot` switch (web's is off by
  // default: a browser per web port is too slow for a plain scan), unless the user set it
  if (o.screenshots) {
    for (const p of all) {
      const cfg = configs.get(p.manifest.name);
      if (cfg && p.manifest.config['screenshot']?.type === 'bool' && !('screenshot' in cfg)) cfg['screenshot'] = true;
    }
  }
  for (const p of plugins) {
    const config = configs.get(p.manifest.name)!;
    if (p.manifest.kind === 'output' && o.pluginOutput) config[OUTPUT_FILE_KEY] = o.pluginOutput;
    nodes.push({ id: p.manifest.name, module: p.manifest.name, depends_on: [], config });
  }
  if (plugins.some((p) => p.manifest.kind === 'detection') && !nodes.some((n) => n.module === 'banner_grabber')) {
    nodes.push({ id: 'banners', module: 'banner_grabber', depends_on: [], config: {} });
  }
  return { ...dag, nodes };
}
