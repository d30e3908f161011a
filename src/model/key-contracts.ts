/**
 * The DataContext keys modules exchange, with the shape of one item each.
 * Items are plain data (strings, numbers, bools, arrays, maps, Uint8Array)
 * because they are cloned on write, frozen for readers, and cross into WASM
 * plugins as msgpack. Plugins may declare keys not listed here: they are
 * allowed, with type `unknown`.
 */
import type { BannerResult, PortResult, Transport } from './event.js';
import type { TargetSetPlain } from '../targets/target-set.js';

/**
 * `targets`: the whole target set in compact form — sorted address intervals
 * per family plus the hostnames addresses came from. A /8 is one interval:
 * ranges are never expanded into items (`TargetSet.fromPlain` reads it).
 */
export type Target = TargetSetPlain;

/** `scan_ports`: the ports to probe on each target */
export interface ScanPorts {
  tcp: number[];
  udp: number[];
}

/** `discovered_hosts`: a target that answered host discovery */
export interface DiscoveredHost {
  ip: string;
  hostname?: string;
  /** how it was found, e.g. `tcp-connect`, `assumed-up` */
  method: string;
  reason?: string;
  rtt_ms?: number;
}

/** `open_ports`: a port found open (or open|filtered for UDP) */
export interface OpenPort {
  ip: string;
  port: number;
  transport: Transport;
  hostname?: string;
  reason: PortResult['reason'];
}

/** `banners`: raw bytes a service sent, never decoded */
export type Banner = BannerResult;

/**
 * What runs on a port, as a plugin's `service` says (ABI §7, A8). The host
 * checks these fields (sandbox/result.ts outputProblem) and keeps the map
 * as sent, so a plugin's other keys stay too.
 */
export interface ServiceInfo {
  /** 1-64 characters; `unknown` = looked and could not tell */
  name: string;
  product?: string;
  version?: string;
  extrainfo?: string;
  ostype?: string;
  /** how it was identified (`probe_matching`, `table_default`, …) */
  method?: string;
  /** the probe whose reply matched */
  probe?: string;
  /** that reply, as text */
  banner?: string;
  hostname?: string;
  devicetype?: string;
  cpe?: string | string[];
  /** 0..1 */
  confidence?: number;
  [key: string]: unknown;
}

/** `service_fingerprints`: what runs on a port, per detecting module */
export interface ServiceFingerprint {
  ip: string;
  port: number;
  transport: Transport;
  hostname?: string;
  service: ServiceInfo;
  /** the module that identified it */
  source: string;
}

/** `asset_profiles`: everything known about one host */
export interface AssetProfile {
  ip: string;
  hostnames: string[];
  ports: Array<{ port: number; transport: Transport; service?: ServiceInfo }>;
}

/**
 * A finding as a plugin reports it (ABI §7, A8), checked by the host
 * (sandbox/result.ts outputProblem) and kept as sent: other keys
 * (`evidence`, `cve`, …) stay, unchecked.
 */
export interface Finding {
  id: string;
  title: string;
  /** `info`, `low`, `medium`, `high` or `critical` by convention; the check asks only for a string (the table shows a missing one as `info`) */
  severity?: string;
  /** where it is: the invocation's port, or for an evaluator one of the host's open ports (0 or absent: the event's own) */
  port?: number;
  transport?: Transport;
  [key: string]: unknown;
}

/** `vulnerabilities`: a finding bound to a host, and to its port when it has one */
export interface Vulnerability extends Finding {
  ip: string;
  hostname?: string;
  /** the module that reported it */
  source: string;
}

/** `plugin_results`: one plugin invocation's outcome */
export interface PluginResult {
  plugin: string;
  ip: string;
  port: number;
  transport: Transport;
  hostname?: string;
  status: string;
  data: Record<string, unknown>;
  error?: string;
}

export type Cardinality = 'one' | 'many';

export interface KeyContract {
  key: string;
  /** the TypeScript type of one item */
  type: string;
  doc: string;
  /** `one`: a single item (a second write fails); `many`: a stream */
  cardinality: Cardinality;
}

const table: KeyContract[] = [
  { key: 'targets', type: 'TargetSetPlain', doc: 'the target set: address intervals per family and hostnames, never expanded', cardinality: 'one' },
  { key: 'scan_ports', type: 'ScanPorts', doc: '{tcp: int[], udp: int[]}: the ports to probe', cardinality: 'one' },
  { key: 'discovered_hosts', type: 'DiscoveredHost', doc: '{ip, hostname?, method, reason?, rtt_ms?}: a host that answered discovery', cardinality: 'many' },
  { key: 'port_results', type: 'PortResult', doc: '{ip, port, transport, state, reason, hostname?, rtt_ms?}: every probed port', cardinality: 'many' },
  { key: 'open_ports', type: 'OpenPort', doc: '{ip, port, transport, hostname?, reason}: a port found open', cardinality: 'many' },
  { key: 'banners', type: 'Banner', doc: '{ip, port, hostname?, banner: bytes, method}: raw bytes a service sent', cardinality: 'many' },
  { key: 'service_fingerprints', type: 'ServiceFingerprint', doc: '{ip, port, transport, hostname?, service: {name, product?, version?, cpe?, confidence?}, source}', cardinality: 'many' },
  { key: 'asset_profiles', type: 'AssetProfile', doc: '{ip, hostnames, ports: [{port, transport, service?}]}: one host', cardinality: 'many' },
  { key: 'vulnerabilities', type: 'Vulnerability', doc: '{ip, hostname?, port?, transport?, id, title, severity?, evidence?, cve?, source}: a finding', cardinality: 'many' },
  { key: 'plugin_results', type: 'PluginResult', doc: '{plugin, ip, port, transport, status, data, error?}: one plugin invocation', cardinality: 'many' },
  { key: 'events', type: 'ScanEvent', doc: 'an output event (every module may emit them)', cardinality: 'many' },
];

export const KEY_CONTRACTS: ReadonlyMap<string, KeyContract> = new Map(table.map((c) => [c.key, Object.freeze(c)]));

/** The key every module may write without declaring it. */
export const EVENTS_KEY = 'events';

/** A namespaced key `<module>.<node>.<key>` names one node's writes. */
export interface NamespacedKey {
  module: string;
  node: string;
  key: string;
}

export function parseNamespacedKey(key: string): NamespacedKey | undefined {
  const parts = key.split('.');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  return { module: parts[0]!, node: parts[1]!, key: parts[2]! };
}

export function namespacedKey(module: string, node: string, key: string): string {
  return `${module}.${node}.${key}`;
}

/** The contract of `key`; a namespaced key has the contract of its base key; unknown keys are `unknown`. */
export function contractOf(key: string): KeyContract {
  const base = parseNamespacedKey(key)?.key ?? key;
  const c = KEY_CONTRACTS.get(base);
  if (c) return base === key ? c : { ...c, key };
  return { key, type: 'unknown', doc: 'a key outside the built-in table (declared by a plugin)', cardinality: 'many' };
}
