import { UsageError } from '../errors.js';
import { validateConfig as checkConfig } from '../engine/config-schema.js';
import type { PluginManifest } from './types.js';

/**
 * Checks a user config against the plugin's schema (ABI §2 `config`) with
 * the same rules as built-in modules (src/engine/config-schema.ts) and
 * fills defaults. Every problem is named in one UsageError.
 */
export function validateConfig(manifest: PluginManifest, cfg: Record<string, unknown>): Record<string, unknown> {
  const { value, errors } = checkConfig(manifest.config, cfg);
  if (errors.length) throw new UsageError(`plugin ${manifest.name}: ${errors.map((e) => e.message).join('; ')}`);
  return value;
}
