/**
 * Port lists as nmap users write them: `22,80,443`, `1-1024`, `-` (all),
 * `-1024`, `60000-`, and `T:80,443,U:53,161` where a `T:`/`U:` prefix picks
 * the protocol for the items that follow it (TCP until the first prefix).
 */
import { UsageError } from '../errors.js';
import { TOP_TCP_PORTS, TOP_UDP_PORTS } from './top-ports-table.js';

export type Transport = 'tcp' | 'udp';

/** Each list sorted ascending, without duplicates. */
export interface PortSet {
  tcp: number[];
  udp: number[];
}

export const MAX_PORT = 65535;

function portNumber(text: string, item: string): number {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`invalid port specification '${item}'`);
  const n = text.length > 5 ? Infinity : Number(text);
  if (n < 1 || n > MAX_PORT) throw new UsageError(`invalid port '${text}': must be 1-${MAX_PORT}`);
  return n;
}

function collect(flags: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = 1; p <= MAX_PORT; p++) if (flags[p]) out.push(p);
  return out;
}

export function parsePorts(spec: string): PortSet {
  if (spec.trim() === '') throw new UsageError('empty port specification');
  const flags = { tcp: new Uint8Array(MAX_PORT + 1), udp: new Uint8Array(MAX_PORT + 1) };
  let proto: Transport = 'tcp';
  for (const raw of spec.split(',')) {
    let item = raw.trim();
    if (item === '') throw new UsageError(`invalid port specification '${spec.trim()}': empty item`);
    const prefix = /^([TtUu]):\s*/.exec(item);
    if (prefix) {
      proto = prefix[1]!.toUpperCase() === 'T' ? 'tcp' : 'udp';
      item = item.slice(prefix[0].length);
      if (item === '') throw new UsageError(`invalid port specification '${raw.trim()}': no port after the prefix`);
    }
    let first: number;
    let last: number;
    const dash = item.indexOf('-');
    if (dash < 0) {
      first = last = portNumber(item, item);
    } else {
      const a = item.slice(0, dash).trim();
      const b = item.slice(dash + 1).trim();
      first = a === '' ? 1 : portNumber(a, item);
      last = b === '' ? MAX_PORT : portNumber(b, item);
      if (first > last) throw new UsageError(`invalid port range '${item}': start is above end`);
    }
    flags[proto].fill(1, first, last + 1);
  }
  return { tcp: collect(flags.tcp), udp: collect(flags.udp) };
}

/** Sorted, each port once, whatever order the input came in (top-ports lists are most common first). */
function sortedUnion(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

export function mergePortSets(a: PortSet, b: PortSet): PortSet {
  return { tcp: sortedUnion(a.tcp, b.tcp), udp: sortedUnion(a.udp, b.udp) };
}

/** The port choices of a scan, as flags and DAG config give them. */
export interface PortChoice {
  /** a port spec (`-p`, `ports`) */
  ports?: string;
  /** the N most common TCP ports (`--top-ports`, `top_ports`) */
  topPorts?: number;
  /** the N most common UDP ports (`top_udp_ports`) */
  topUdpPorts?: number;
  /** the N most common TCP ports when neither `ports` nor `topPorts` is set (a profile's default) */
  defaultTopPorts?: number;
}

/**
 * The ports a scan probes: the union of everything given, each port once.
 * (nmap differs: `-p X --top-ports N` there is the N most common ports *within* X.)
 */
export function scanPortsOf(c: PortChoice): PortSet {
  let ports: PortSet = { tcp: [], udp: [] };
  if (c.ports !== undefined) ports = parsePorts(c.ports);
  const top = c.topPorts ?? (c.ports === undefined ? c.defaultTopPorts ?? 1000 : undefined);
  if (top !== undefined) ports = mergePortSets(ports, { tcp: topPorts(top, 'tcp'), udp: [] });
  if (c.topUdpPorts !== undefined) ports = mergePortSets(ports, { tcp: [], udp: topPorts(c.topUdpPorts, 'udp') });
  return ports;
}

/**
 * The n most common ports, most common first (not sorted). Past the bundled
 * table (1000 TCP, 100 UDP), the remaining ports follow in ascending order.
 */
export function topPorts(n: number, transport: Transport = 'tcp'): number[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PORT) throw new UsageError(`--top-ports must be 1-${MAX_PORT}, got ${n}`);
  const table = transport === 'tcp' ? TOP_TCP_PORTS : TOP_UDP_PORTS;
  if (n <= table.length) return table.slice(0, n);
  const out = [...table];
  const seen = new Set(table);
  for (let p = 1; out.length < n; p++) if (!seen.has(p)) out.push(p);
  return out;
}
