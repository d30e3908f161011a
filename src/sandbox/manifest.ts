import { KEY_CONTRACTS } from '../model/key-contracts.js';
import { isMap } from '../model/is-map.js';
import { checkSchema } from '../engine/config-schema.js';
import { limitProblem } from './limits.js';
import type { ConfigField, Limits, PluginKind, PluginManifest, PluginMatch } from './types.js';

/**
 * ABI §2: validation of the decoded `wasmap.manifest` map. Every problem
 * names its field (`manifest.match.ports[2]`); unknown top-level keys are
 * ignored so later ABI additions stay loadable.
 */

export const KINDS: readonly PluginKind[] = ['scanner', 'detection', 'evaluator', 'output'];
export const CAPABILITIES = ['network', 'network:any', 'dns', 'browser'] as const;
export const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;
// semver.org's regular expression
export const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * Names a plugin cannot take: the host's own event origins (`origin.type`)
 * and built-in modules, so a plugin's events can never pass for the host's.
 */
export const RESERVED_NAMES: readonly string[] = [
  'portscan', 'banner', 'grabber', 'error', 'host', 'wasmap', 'plugin',
  'target-expansion', 'tcp-probe-discovery', 'connect-scanner', 'udp-scanner', 'banner-grabber', 'file-reporter',
];

/**
 * DataContext keys only the host writes: scan targets, ports, banners and
 * the plugin kinds' own result keys. A plugin that could write them could
 * send other plugins to addresses the user never scanned, or make the DAG
 * invalid. `service_fingerprints` is the exception for identifiers (below).
 */
export const HOST_KEYS: ReadonlySet<string> = new Set([...KEY_CONTRACTS.keys(), 'evaluator_results']);
const KEY_RE = /^[a-z][a-z0-9_]{0,63}$/;

export class ManifestError extends Error {}

const fail = (field: string, why: string): never => {
  throw new ManifestError(`manifest.${field} ${why}`);
};

function str(m: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = m[key];
  if (v === undefined || v === null) return required ? fail(key, 'is missing') : undefined;
  if (typeof v !== 'string') fail(key, 'must be a string');
  return v as string;
}

function strList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fail(field, 'must be a list of strings');
  v.forEach((x, i) => {
    if (typeof x !== 'string') fail(`${field}[${i}]`, 'must be a string');
  });
  return v as string[];
}

function match(v: unknown): PluginMatch {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) return fail('match', 'must be a map');
  const out: PluginMatch = {};
  if (v.ports !== undefined && v.ports !== null) {
    if (!Array.isArray(v.ports)) fail('match.ports', 'must be a list of ports');
    (v.ports as unknown[]).forEach((p, i) => {
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) fail(`match.ports[${i}]`, 'must be a port number 0-65535');
    });
    out.ports = v.ports as number[];
  }
  if (v.services !== undefined && v.services !== null) out.services = strList(v.services, 'match.services');
  if (v.transport !== undefined && v.transport !== null) {
    if (v.transport !== 'tcp' && v.transport !== 'udp') fail('match.transport', 'must be "tcp" or "udp"');
    out.transport = v.transport as 'tcp' | 'udp';
  }
  if (v.tls !== undefined && v.tls !== null) {
    if (typeof v.tls !== 'boolean') fail('match.tls', 'must be a bool');
    out.tls = v.tls as boolean;
  }
  return out;
}

/** A key a plugin may provide: its own (not the host's), or fingerprints from an identifier. */
function providedKey(m: PluginManifest, key: string, field: string): void {
  if (key === 'service_fingerprints') {
    // an identifier never reads fingerprints, so plugins can never wait on each other in a cycle
    if (m.kind === 'detection') return;
    if (m.kind === 'scanner' && (m.match.services ?? []).length === 0) return;
    fail(field, m.kind === 'scanner'
      ? '"service_fingerprints" cannot come from a scanner whose match names services (it would wait on itself)'
      : `"service_fingerprints" is written by scanner and detection plugins only`);
  }
  if (HOST_KEYS.has(key)) fail(field, `"${key}" is a host key; plugins cannot write it`);
  if (!KEY_RE.test(key)) fail(field, `"${key}" must match [a-z][a-z0-9_]* (at most 64 characters)`);
}

export function validateManifest(raw: unknown): PluginManifest {
  if (!isMap(raw)) return fail('(root)', 'must be a msgpack map');
  if (raw.abi === undefined) fail('abi', 'is missing');
  if (raw.abi !== 1) fail('abi', `is ${JSON.stringify(raw.abi)}; this host speaks ABI 1`);
  const name = str(raw, 'name', true)!;
  if (name.length > 64 || !NAME_RE.test(name)) fail('name', 'must match [a-z0-9][a-z0-9-]* and be at most 64 characters');
  const version = str(raw, 'version', true)!;
  if (!SEMVER_RE.test(version)) fail('version', `"${version}" is not a semantic version`);
  const kind = str(raw, 'kind', true)!;
  if (!(KINDS as readonly string[]).includes(kind)) fail('kind', `must be one of ${KINDS.join(', ')}`);
  const capabilities = strList(raw.capabilities, 'capabilities');
  capabilities.forEach((c, i) => {
    if (!(CAPABILITIES as readonly string[]).includes(c)) fail(`capabilities[${i}]`, `"${c}" is unknown (known: ${CAPABILITIES.join(', ')})`);
  });
  let config: Record<string, ConfigField> = {};
  if (raw.config !== undefined && raw.config !== null) {
    // The schema format of built-in modules, checked by the same code.
    const problems = checkSchema(raw.config);
    if (problems.length) fail('config', problems.join('; '));
    config = raw.config as Record<string, ConfigField>;
  }
  const limits: Partial<Limits> = {};
  if (raw.limits !== undefined && raw.limits !== null) {
    if (!isMap(raw.limits)) fail('limits', 'must be a map');
    for (const [k, v] of Object.entries(raw.limits as Record<string, unknown>)) {
      const p = limitProblem(k, v);
      if (p) fail(`limits.${k}`, p.replace(/^limit "[^"]*" /, ''));
      limits[k as keyof Limits] = v as number;
    }
  }
  const m: PluginManifest = {
    abi: 1,
    name,
    version,
    kind: kind as PluginKind,
    capabilities,
    requires: strList(raw.requires, 'requires'),
    provides: strList(raw.provides, 'provides'),
    match: match(raw.match),
    config,
    limits,
  };
  if (RESERVED_NAMES.includes(name)) fail('name', `"${name}" is reserved for the host`);
  m.provides.forEach((k, i) => providedKey(m, k, `provides[${i}]`));
  for (const k of ['description', 'author', 'license'] as const) {
    const v = str(raw, k, false);
    if (v !== undefined) m[k] = v;
  }
  return m;
}
