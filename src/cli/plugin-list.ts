/**
 * `plugin list`'s rows: installed plugins (user, then system stores) and the
 * bundled ones, each marked with what a scan would run: an installed plugin
 * named like a bundled one overrides it, a user install overrides a system one.
 */
import { readFile } from 'node:fs/promises';
import { allBundledPluginFiles } from '../modules/plugins/plugin-set.js';
import { readPluginManifest } from '../sandbox/plugin.js';
import { readLock } from '../store/lock-file.js';
import { sha256Hex } from '../store/installed.js';
import type { StorePaths } from '../store/paths.js';

export interface InventoryRow {
  name: string;
  version: string;
  kind: string;
  publisher?: string;
  capabilities: string[];
  sha256: string;
  source: string;
  /** installed (user store), system, bundled, or overridden (a later row of the same name runs instead) */
  status: 'installed' | 'system' | 'bundled' | 'overridden';
}

export async function pluginInventory(paths: StorePaths): Promise<InventoryRow[]> {
  const rows: InventoryRow[] = [];
  const taken = new Set<string>();
  const stores: [string, 'installed' | 'system'][] = [[paths.userDir, 'installed'], ...paths.systemDirs.map((d): [string, 'system'] => [d, 'system'])];
  for (const [dir, status] of stores) {
    for (const e of Object.values((await readLock(dir)).plugins)) {
      rows.push({ name: e.name, version: e.version, kind: e.kind, publisher: e.publisher?.name, capabilities: e.capabilities, sha256: e.sha256, source: e.source, status: taken.has(e.name) ? 'overridden' : status });
      taken.add(e.name);
    }
  }
  for (const file of await allBundledPluginFiles()) {
    const bytes = await readFile(file);
    const { manifest: m } = readPluginManifest(bytes, file);
    rows.push({ name: m.name, version: m.version, kind: m.kind, publisher: 'wasmap (bundled)', capabilities: m.capabilities, sha256: sha256Hex(bytes), source: file, status: taken.has(m.name) ? 'overridden' : 'bundled' });
  }
  return rows;
}
