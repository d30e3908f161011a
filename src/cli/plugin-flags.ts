/**
 * The scan's plugin flags: which files to load, their config, the runtime's
 * limits and network grants, and the DAG nodes the loaded plugins become.
 */
import { UsageError } from '../errors.js';
import type { Dag, DagNode } from '../engine/dag.js';
import type { LoadedPlugin } from '../sandbox/index.js';
import { parseConfigAssignment } from '../modules/config-schema.js';
import { OUTPUT_FILE_KEY } from '../modules/plugins/plugin-module.js';

export interface PluginFlags {
  plugin?: string[];
  pluginDir?: string[];
  pluginConfig?: string[];
  pluginLimit?: string[];
  pluginOutput?: string;
  allowNet?: string[];
  strictPlugins?: boolean;
}

/** `--plugin-limit wall_ms=5000` → `{wall_ms: 5000}`; the runtime checks the key and range. */
export function parseLimits(raw: string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of raw) {
    const m = /^([a-z_]+)=(\d+)$/.exec(item.trim());
    if (!m) throw new UsageError(`--plugin-limit takes KEY=NUMBER (e.g. wall_ms=5000), got '${item}'`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Adds one node per plugin (config from --plugin-config NAME.KEY=VALUE), and a banner node if detection needs one. */
export function addPluginNodes(dag: Dag, plugins: LoadedPlugin[], f: PluginFlags, all: LoadedPlugin[] = plugins): Dag {
  const nodes: DagNode[] = dag.nodes.map((n) => ({ ...n, config: { ...n.config } }));
  const configs = new Map<string, Record<string, unknown>>(plugins.map((p) => [p.manifest.name, {}]));
  // plugins that already have a node (from the profile) take their config there
  for (const n of nodes) if (all.some((p) => p.manifest.name === n.module)) configs.set(n.module, n.config);
  for (const item of f.pluginConfig ?? []) {
    const dot = item.indexOf('.');
    const name = dot > 0 ? item.slice(0, dot) : '';
    const cfg = configs.get(name);
    const plugin = all.find((p) => p.manifest.name === name);
    if (!cfg || !plugin) throw new UsageError(`--plugin-config '${item}': no loaded plugin named '${name}' (use NAME.KEY=VALUE)`);
    const { key, value } = parseConfigAssignment(item.slice(dot + 1), plugin.manifest.config);
    cfg[key] = value;
  }
  for (const p of plugins) {
    const config = configs.get(p.manifest.name)!;
    if (p.manifest.kind === 'output' && f.pluginOutput) config[OUTPUT_FILE_KEY] = f.pluginOutput;
    nodes.push({ id: p.manifest.name, module: p.manifest.name, depends_on: [], config });
  }
  if (plugins.some((p) => p.manifest.kind === 'detection') && !nodes.some((n) => n.module === 'banner_grabber')) {
    nodes.push({ id: 'banners', module: 'banner_grabber', depends_on: [], config: {} });
  }
  return { ...dag, nodes };
}
