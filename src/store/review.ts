/**
 * The capability review shown before an install, like a phone's app
 * permissions: what the plugin may touch, where it runs, its limits, who
 * vouches for it. An update shows what changed against the installed one.
 */
import type { Limits, PluginManifest } from '../sandbox/types.js';
import type { LockEntry } from './lock-file.js';

const MEANING: Record<string, string> = {
  network: "connect to the scanned target's own address",
  'network:any': 'connect to other hosts — only those you grant at scan time with --allow-net',
  dns: 'resolve host names',
  browser: "render the scanned target's own web pages in headless Chromium (its requests to other hosts are blocked)",
};

/** Capabilities so broad that `--yes` alone does not grant them. */
export const EXPLICIT_CAPABILITIES: readonly string[] = ['network:any'];

export interface ReviewSubject {
  manifest: PluginManifest;
  limits: Limits;
  sha256: string;
  source: string;
  publisher?: { name: string; keyId: string };
}

function matchText(m: PluginManifest): string {
  const parts = [
    m.match.ports?.length ? `ports ${m.match.ports.join(',')}` : '',
    m.match.services?.length ? `services ${m.match.services.join(',')}` : '',
    m.match.transport ? `over ${m.match.transport}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : m.kind === 'scanner' || m.kind === 'detection' ? 'every open port' : `every scan (${m.kind})`;
}

export function reviewLines(s: ReviewSubject, previous?: LockEntry): string[] {
  const m = s.manifest;
  const caps = m.capabilities.length ? m.capabilities.map((c) => `  ${c}: ${MEANING[c] ?? c}${previous && !previous.capabilities.includes(c) ? '  (NEW)' : ''}`) : ['  none: no network at all'];
  const lines = [
    `${previous ? 'update' : 'install'} ${m.name} ${m.version} (${m.kind})${m.description ? `: ${m.description}` : ''}`,
    `  from       ${s.source}`,
    `  publisher  ${s.publisher ? `${s.publisher.name} (key ${s.publisher.keyId})` : 'none: unsigned'}`,
    `  sha256     ${s.sha256}`,
    `  runs on    ${matchText(m)}`,
    `  limits     ${Object.entries(s.limits).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    'capabilities',
    ...caps,
  ];
  if (previous) {
    const dropped = previous.capabilities.filter((c) => !m.capabilities.includes(c));
    lines.push(`changes    version ${previous.version} → ${m.version}; sha256 ${previous.sha256.slice(0, 12)}… → ${s.sha256.slice(0, 12)}…${dropped.length ? `; no longer asks for ${dropped.join(', ')}` : ''}`);
  }
  return lines;
}

/** Capabilities asked for now that `previous` was not granted (all of them for a new install). */
export function newCapabilities(m: PluginManifest, previous?: LockEntry): string[] {
  return m.capabilities.filter((c) => !previous?.capabilities.includes(c));
}
