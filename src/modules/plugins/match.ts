/**
 * When the host calls a plugin (manifest `match`, ABI §2). An absent key or an
 * empty list places no restriction. When both `ports` and `services` are
 * given, either one is enough (like NSE's port_or_service): a Redis plugin
 * with `ports = [6379]`, `services = ["redis"]` also runs on a Redis found on
 * another port. `transport` and `tls` always restrict.
 */
import type { PluginMatch } from '../../sandbox/index.js';

/** Ports where TLS is the norm; until a detection says otherwise, `tls` matches these. */
const TLS_PORTS = new Set([443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 6697, 8443, 9443]);

export interface MatchPoint {
  port: number;
  transport: 'tcp' | 'udp';
  /** service names known for this port so far */
  services: readonly string[];
}

export function transportAndTlsMatch(m: PluginMatch, p: MatchPoint): boolean {
  if (m.transport && m.transport !== p.transport) return false;
  if (m.tls !== undefined && TLS_PORTS.has(p.port) !== m.tls && !p.services.includes(m.tls ? 'https' : 'http')) return false;
  return true;
}

export function matches(m: PluginMatch, p: MatchPoint): boolean {
  if (!transportAndTlsMatch(m, p)) return false;
  const ports = m.ports ?? [];
  const services = m.services ?? [];
  if (ports.length === 0 && services.length === 0) return true;
  return ports.includes(p.port) || services.some((s) => p.services.includes(s));
}

export function isTlsPort(port: number): boolean {
  return TLS_PORTS.has(port);
}

/** `match` in words, for `wasmap scan -v`: "tcp ports 22 or service ssh". */
export function describeMatch(m: PluginMatch): string {
  const where: string[] = [];
  if (m.ports?.length) where.push(`port${m.ports.length > 1 ? 's' : ''} ${m.ports.join(',')}`);
  if (m.services?.length) where.push(`service${m.services.length > 1 ? 's' : ''} ${m.services.join(',')}`);
  const scope = [m.transport, m.tls === true ? 'tls' : m.tls === false ? 'plain' : undefined].filter(Boolean).join(' ');
  const what = where.length ? where.join(' or ') : 'every port';
  return scope ? `${scope}: ${what}` : what;
}
