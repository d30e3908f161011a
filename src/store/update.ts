/**
 * `wasmap plugin update [NAME…]`: plugins installed from an index move to
 * its newest version through the same checks as an install; pinned ones
 * (installed as NAME@VERSION) and those from a file or URL stay.
 */
import { readConfig } from './config.js';
import { checkGrants, installCandidate, PLUGIN_MAX_BYTES, type InstallOptions, type InstallResult } from './install.js';
import { listInstalled } from './installed.js';
import { fromIndex, loadIndexes } from './source.js';
import { resolveVersion } from './plugin-index.js';
import { StoreError } from './store-error.js';

export type UpdateOutcome =
  | { name: string; kind: 'updated'; result: InstallResult }
  | { name: string; kind: 'current' | 'pinned' | 'not-from-index'; version: string };

export async function updatePlugins(names: string[], o: InstallOptions): Promise<UpdateOutcome[]> {
  checkGrants(o.allowCapabilities);
  const cfg = await readConfig(o.paths.configFile);
  const installed = (await listInstalled(o.paths)).filter((p) => p.scope === 'user');
  for (const n of names) {
    if (!installed.some((p) => p.entry.name === n)) throw new StoreError(`${n} is not installed (in ${o.paths.userDir})`);
  }
  const chosen = installed.filter((p) => names.length === 0 || names.includes(p.entry.name));
  const sourceOpts = { cfg, signal: o.signal, build: () => Promise.reject(new Error('unreachable')), maxBytes: PLUGIN_MAX_BYTES, timeoutMs: o.timeoutMs ?? 30_000 };
  const fromIndexes = chosen.filter((p) => p.entry.index !== undefined && !p.entry.pinned);
  const indexes = fromIndexes.length ? await loadIndexes(sourceOpts) : [];
  const out: UpdateOutcome[] = [];
  for (const { entry } of chosen) {
    if (entry.index === undefined) {
      out.push({ name: entry.name, kind: 'not-from-index', version: entry.version });
      continue;
    }
    if (entry.pinned) {
      out.push({ name: entry.name, kind: 'pinned', version: entry.version });
      continue;
    }
    const newest = resolveVersion(indexes, entry.name);
    if (newest.sha256 === entry.sha256) {
      out.push({ name: entry.name, kind: 'current', version: entry.version });
      continue;
    }
    const candidate = await fromIndex(indexes, entry.name, undefined, sourceOpts);
    out.push({ name: entry.name, kind: 'updated', result: await installCandidate(candidate, cfg, o) });
  }
  return out;
}
