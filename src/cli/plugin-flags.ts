/**
 * The scan's plugin flags: which files to load, their config, the runtime's
 * limits and network grants (the DAG nodes they become: src/scan/plugin-nodes.ts).
 */
import type { Limits } from '../sandbox/index.js';
import { parseLimitFlags } from '../sandbox/limits.js';

export interface PluginFlags {
  plugin?: string[];
  pluginDir?: string[];
  pluginConfig?: string[];
  pluginConfigFile?: string[];
  pluginLimit?: string[];
  pluginOutput?: string;
  allowNet?: string[];
  strictPlugins?: boolean;
}

/** `--plugin-limit wall_ms=5000` → `{wall_ms: 5000}` (sandbox/limits.ts parseLimitFlags, shared with `plugin test --limit`). */
export const parseLimits = (raw: string[] = []): Partial<Limits> => parseLimitFlags(raw, '--plugin-limit');
