/**
 * `wasmap plugin verify [NAME…]`: every installed plugin read again and
 * checked as a scan would (sha256, revocation, signature) plus its
 * manifest's name. A report, not an error: the caller exits 1 on a failure.
 */
import { readPluginManifest } from '../sandbox/plugin.js';
import { readConfig } from './config.js';
import { listInstalled, openInstalled, type InstalledPlugin } from './installed.js';
import type { StorePaths } from './paths.js';
import { StoreError } from './store-error.js';

export interface VerifyLine {
  plugin: InstalledPlugin;
  ok: boolean;
  message: string;
}

export async function verifyInstalled(names: string[], paths: StorePaths): Promise<VerifyLine[]> {
  const cfg = await readConfig(paths.configFile);
  const all = await listInstalled(paths);
  for (const n of names) if (!all.some((p) => p.entry.name === n)) throw new StoreError(`${n} is not installed`);
  const out: VerifyLine[] = [];
  for (const plugin of all.filter((p) => names.length === 0 || names.includes(p.entry.name))) {
    const { entry } = plugin;
    try {
      const bytes = await openInstalled(plugin, cfg);
      const { manifest } = readPluginManifest(bytes, entry.name);
      if (manifest.name !== entry.name || manifest.version !== entry.version)
        throw new StoreError(`installed plugin ${entry.name} refused: its manifest says ${manifest.name} ${manifest.version}`);
      out.push({ plugin, ok: true, message: entry.publisher ? `signed by ${entry.publisher.name} (key ${entry.publisher.keyId})` : 'unsigned; sha256 matches' });
    } catch (e) {
      out.push({ plugin, ok: false, message: (e as Error).message });
    }
  }
  return out;
}
