/**
 * `wasmap plugin install`: read the source, check it against what the index
 * promised, load it in the sandbox (a plugin that would not load is never
 * stored), check its signature, show the capability review and ask, then
 * store it. Every refusal happens before the first write.
 */
import { loadPlugin } from '../sandbox/plugin.js';
import { CAPABILITIES } from '../sandbox/manifest.js';
import { UsageError, WasmapError } from '../errors.js';
import { readConfig, type StoreConfig } from './config.js';
import { sha256Hex } from './installed.js';
import { readLock, type LockEntry } from './lock-file.js';
import type { StorePaths } from './paths.js';
import { EXPLICIT_CAPABILITIES, newCapabilities, reviewLines } from './review.js';
import { readSource, type Candidate } from './source.js';
import { changeStore, putBlob } from './store-write.js';
import { StoreError } from './store-error.js';
import { checkTrust } from './trust-check.js';

export interface InstallOptions {
  paths: StorePaths;
  /** accept the review without asking (scripts) */
  yes?: boolean;
  /** replace a plugin of the same name from another publisher */
  force?: boolean;
  /** capabilities granted explicitly (network:any needs it) */
  allowCapabilities?: string[];
  /** asks the user on a terminal; absent: nothing is installed without `yes` */
  confirm?: (lines: string[]) => Promise<boolean>;
  /** the review and warnings, when not asked through `confirm` */
  show?: (lines: string[]) => void;
  warn?: (line: string) => void;
  signal?: AbortSignal;
  /** builds a plugin directory (the CLI passes `plugin build`) */
  build?: (dir: string) => Promise<string>;
  timeoutMs?: number;
}

export interface InstallResult {
  entry: LockEntry;
  previous?: LockEntry;
  /** the same bytes were installed already: nothing was written */
  unchanged: boolean;
}

export const PLUGIN_MAX_BYTES = 16 << 20;

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new WasmapError('WASMAP_ABORTED', 'interrupted: nothing was installed', { cause: signal.reason });
}

export async function installPlugin(source: string, o: InstallOptions): Promise<InstallResult> {
  checkGrants(o.allowCapabilities);
  const cfg = await readConfig(o.paths.configFile);
  const build = o.build ?? (() => Promise.reject(new StoreError(`${source} is a directory: build it with \`wasmap plugin build\` first`)));
  const candidate = await readSource(source, { cfg, signal: o.signal, build, maxBytes: PLUGIN_MAX_BYTES, timeoutMs: o.timeoutMs ?? 30_000 });
  return installCandidate(candidate, cfg, o);
}

export async function installCandidate(c: Candidate, cfg: StoreConfig, o: InstallOptions): Promise<InstallResult> {
  aborted(o.signal);
  const sha256 = sha256Hex(c.bytes);
  const e = c.expected;
  if (e && e.sha256 !== sha256)
    throw new StoreError(`${e.name} ${e.version}: the download's sha256 is ${sha256.slice(0, 16)}…, the index says ${e.sha256.slice(0, 16)}… (changed or corrupted file)`);
  const plugin = await loadPlugin(c.bytes, { signal: o.signal });
  aborted(o.signal);
  const m = plugin.manifest;
  if (e && (m.name !== e.name || m.version !== e.version))
    throw new StoreError(`the index's ${e.name} ${e.version} is a plugin named ${m.name} ${m.version} inside: refusing a mislabelled plugin`);
  const verdict = checkTrust(c, m, sha256, cfg);
  for (const w of verdict.warnings) o.warn?.(w);

  const previous = (await readLock(o.paths.userDir)).plugins[m.name];
  if (previous?.sha256 === sha256) {
    // the same file again: only a change of pin (NAME@VERSION vs NAME) or source is recorded
    if (previous.pinned === c.pinned && previous.source === c.source) return { entry: previous, previous, unchanged: true };
    const entry = await changeStore(o.paths.userDir, async (lock) => {
      const e = { ...lock.plugins[m.name]!, pinned: c.pinned, source: c.source, ...(c.index ? { index: c.index } : {}) };
      lock.plugins[m.name] = e;
      return e;
    });
    return { entry, previous, unchanged: true };
  }
  conflictCheck(m.name, previous, verdict.publisher, o.force);
  const explicit = m.capabilities.filter((cap) => EXPLICIT_CAPABILITIES.includes(cap) && !o.allowCapabilities?.includes(cap));
  if (explicit.length) throw new StoreError(`${m.name} asks for ${explicit.join(', ')}: grant it with --allow-capability ${explicit.join(' --allow-capability ')}`);

  const lines = reviewLines({ manifest: m, limits: plugin.limits, sha256, source: c.source, publisher: verdict.publisher }, previous);
  const askAgain = !previous || newCapabilities(m, previous).length > 0;
  if (askAgain && !o.yes) {
    if (!o.confirm) throw new StoreError(`${m.name} ${m.version} needs your confirmation (${m.capabilities.join(', ') || 'no capabilities'}${previous ? ', more than granted before' : ''}): run on a terminal, or pass --yes`);
    if (!(await o.confirm(lines))) throw new WasmapError('WASMAP_ABORTED', `${m.name} was not installed: declined`);
  } else {
    o.show?.(lines);
  }
  aborted(o.signal);

  const entry: LockEntry = {
    name: m.name,
    version: m.version,
    kind: m.kind,
    sha256,
    source: c.source,
    ...(c.index ? { index: c.index } : {}),
    pinned: c.pinned,
    ...(verdict.publisher ? { publisher: verdict.publisher } : {}),
    capabilities: [...m.capabilities],
    installedAt: new Date().toISOString(),
  };
  await changeStore(o.paths.userDir, async (lock) => {
    // another wasmap may have installed this name since we looked
    conflictCheck(m.name, lock.plugins[m.name], verdict.publisher, o.force);
    await putBlob(o.paths.userDir, sha256, c.bytes, verdict.publisher ? c.signature : undefined);
    lock.plugins[m.name] = entry;
  });
  return { entry, previous, unchanged: false };
}

function conflictCheck(name: string, previous: LockEntry | undefined, publisher: { name: string; keyId: string } | undefined, force?: boolean): void {
  if (!previous || force || previous.publisher?.keyId === publisher?.keyId) return;
  const was = previous.publisher ? `${previous.publisher.name} (key ${previous.publisher.keyId})` : 'no publisher (unsigned)';
  const now = publisher ? `${publisher.name} (key ${publisher.keyId})` : 'no publisher (unsigned)';
  throw new StoreError(`${name} is installed from ${was}; this one is from ${now}: pass --force to replace it`);
}

/** A typo in --allow-capability would otherwise grant nothing, silently. */
export function checkGrants(grants: readonly string[] = []): void {
  for (const g of grants) {
    if (!(CAPABILITIES as readonly string[]).includes(g)) throw new UsageError(`--allow-capability ${g}: unknown capability (known: ${CAPABILITIES.join(', ')})`);
  }
}
