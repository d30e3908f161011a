/**
 * The human table: one block per host, ports in order. Each port gets one
 * headline (the best service identification, else a banner preview), then a
 * line per plugin that had something to say (`plugin: summary`, errors) and
 * its findings, most severe first — like nmap's table with NSE output.
 * Host-level results (evaluators) go under a `host` row.
 *
 * Plugins are untrusted: rows exist only for ports the port scan reported
 * (plus the `host` row; results about any other port stay in the machine
 * formats only), a banner headline comes only from the host's own banner
 * grabber, and every cell is shown through forTerminal.
 */
import { FINDING, portStateOf, type ScanEvent } from '../model/event.js';
import type { Finding, ServiceInfo } from '../model/key-contracts.js';
import type { ScanSummary } from './summary.js';
import { previewBytes } from './encode.js';
import { forTerminal } from './terminal-text.js';

/** What a row shows of a service: the fields that name it, each non-empty. */
export type Service = Pick<ServiceInfo, 'name' | 'product' | 'version' | 'extrainfo' | 'confidence'>;

/** What a row shows of a finding, a missing severity read as `info`. */
type Shown = Required<Pick<Finding, 'id' | 'title' | 'severity'>>;

interface Row {
  port: number;
  protocol: string;
  state: string;
  reason: string;
  service?: Service;
  /** a plugin looked and could not tell (nmap's "unknown") */
  unknown?: boolean;
  banner?: string;
  details: string[];
  findings: Shown[];
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];
const HOST_ROW = 'host';

export function compareIp(a: string, b: string): number {
  const fa = a.includes(':') ? 6 : 4;
  const fb = b.includes(':') ? 6 : 4;
  if (fa !== fb) return fa - fb;
  if (fa === 4) {
    const na = a.split('.').map(Number);
    const nb = b.split('.').map(Number);
    for (let i = 0; i < 4; i++) if (na[i] !== nb[i]) return na[i]! - nb[i]!;
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** A plugin's `service`, when it names something ("unknown" names nothing). */
export function serviceOf(s: ServiceInfo | undefined): Service | undefined {
  if (!s || !s.name || s.name === 'unknown') return undefined;
  return { name: s.name, product: str(s.product), version: str(s.version), extrainfo: str(s.extrainfo), confidence: s.confidence };
}

/** Higher = says more: a version beats a product beats a bare name; then confidence. */
export const weight = (s: Service): number => (s.version ? 4 : 0) + (s.product ? 2 : 0) + (s.confidence ?? 0.5);

/** nmap's SERVICE and VERSION columns in one: `ssh OpenSSH 9.2p1 (Debian 2+deb12u10; protocol 2.0)`. */
export const serviceText = (s: Service): string => [s.name, s.product, s.version, s.extrainfo ? `(${s.extrainfo})` : ''].filter(Boolean).join(' ');

function findingsOf(ev: ScanEvent): (Shown & Pick<Finding, 'port' | 'transport'>)[] {
  return (ev.result.findings ?? []).map((f) => ({
    severity: str(f.severity) ?? 'info',
    id: str(f.id) ?? '?',
    title: f.title,
    port: f.port !== undefined && f.port > 0 ? f.port : undefined,
    transport: f.transport,
  }));
}

function pushOnce<T>(list: T[], item: T, same: (a: T) => boolean): void {
  if (!list.some(same)) list.push(item);
}

/**
 * The host's own banner event (model/event.ts bannerEvent). A plugin's
 * events always carry a `status` (plugin-events.ts), so a plugin named like
 * the grabber cannot pass for it and become a port's headline.
 */
export function isHostBanner(ev: ScanEvent): boolean {
  return ev.origin.type === 'banner' && ev.origin.module === 'grabber' && !('status' in ev.result) && ev.result.data.banner instanceof Uint8Array;
}

const rowKey = (port: number, protocol: string): string => (port > 0 ? `${port}/${protocol}` : HOST_ROW);

export function renderTable(events: ScanEvent[], columns: number, summary?: ScanSummary, screenshotFile?: (ev: ScanEvent) => string | undefined): string {
  const hosts = new Map<string, { hostname?: string; rows: Map<string, Row> }>();
  const hostOf = (ip: string, hostname: string | undefined) => {
    let h = hosts.get(ip);
    if (!h) hosts.set(ip, (h = { hostname, rows: new Map() }));
    return h;
  };
  const newRow = (port: number, protocol: string): Row => ({ port, protocol, state: '', reason: '', details: [], findings: [] });
  const hostRow = (ip: string, hostname: string | undefined): Row => {
    const rows = hostOf(ip, hostname).rows;
    let row = rows.get(HOST_ROW);
    if (!row) rows.set(HOST_ROW, (row = newRow(0, 'tcp')));
    return row;
  };
  /** a port the scan reported, if it did */
  const reported = (ip: string, port: number, protocol: string): Row | undefined => hosts.get(ip)?.rows.get(rowKey(port, protocol));

  // Port rows come from the port scan alone, so nothing else can add one.
  for (const ev of events) {
    if (ev.origin.module !== 'portscan' || !(ev.target.port > 0)) continue;
    const { ip, hostname, port, protocol } = ev.target;
    const rows = hostOf(ip, hostname).rows;
    let row = rows.get(rowKey(port, protocol));
    if (!row) rows.set(rowKey(port, protocol), (row = newRow(port, protocol)));
    const st = portStateOf(ev);
    row.state = forTerminal(String(st?.state ?? ''));
    row.reason = forTerminal(String(st?.reason ?? ''));
  }

  for (const ev of events) {
    // finding events repeat their result's findings, which are drawn below
    if (ev.origin.module === 'portscan' || ev.origin.type === FINDING) continue;
    const { ip, hostname, port, protocol } = ev.target;
    // a port the scan did not report (never found, or left out by --states) has no row to show it in
    const row = port > 0 ? reported(ip, port, protocol) : hostRow(ip, hostname);
    if (!row) continue;
    const d = ev.result.data as Record<string, unknown>;
    if (isHostBanner(ev)) {
      row.banner ??= previewBytes(d.banner as Uint8Array);
      continue;
    }
    const plugin = ev.origin.type;
    const svc = serviceOf(ev.result.service);
    if (ev.result.service?.name === 'unknown') row.unknown = true;
    if (svc && (!row.service || weight(svc) > weight(row.service))) row.service = svc;
    const summary = ev.result.summary;
    const line = ev.result.error ? `${plugin}: error: ${ev.result.error}` : summary ? `${plugin}: ${summary}` : undefined;
    if (line) pushOnce(row.details, line, (x) => x === line);
    const shot = screenshotFile?.(ev);
    if (shot) row.details.push(`${plugin}: screenshot ${shot}`);
    for (const f of findingsOf(ev)) {
      // a host-level result (an evaluator) may place a finding under a reported port (ABI A8);
      // a per-port result keeps its findings under its own port
      const named = row.port === 0 && f.port !== undefined ? reported(ip, f.port, f.transport ?? protocol) : undefined;
      pushOnce((named ?? row).findings, f, (x) => x.id === f.id && x.title === f.title);
    }
  }
  if (hosts.size === 0) return summary?.interrupted ? '' : 'No open ports found.\n';

  let out = '';
  for (const ip of [...hosts.keys()].sort(compareIp)) {
    const h = hosts.get(ip)!;
    const rows = [...h.rows.values()].sort((a, b) => (a.port || 1e6) - (b.port || 1e6) || a.protocol.localeCompare(b.protocol));
    const label = (r: Row): string => (r.port > 0 ? `${r.port}/${r.protocol}` : HOST_ROW);
    const wPort = Math.max(9, ...rows.map((r) => label(r).length));
    const wState = Math.max(5, ...rows.map((r) => r.state.length));
    const wReason = Math.max(6, ...rows.map((r) => r.reason.length));
    const lead = (a: string, b: string, c: string): string => `  ${a.padEnd(wPort)}  ${b.padEnd(wState)}  ${c.padEnd(wReason)}  `;
    const indent = ' '.repeat(lead('', '', '').length);
    const width = Math.max(20, columns - indent.length);
    // escaped before measuring, so the cut counts what the terminal shows
    const cut = (raw: string): string => {
      const s = forTerminal(raw);
      return s.length > width ? `${s.slice(0, width - 1)}…` : s;
    };

    out += `${forTerminal(ip)}${h.hostname ? ` (${forTerminal(h.hostname)})` : ''}\n`;
    out += `${lead('PORT', 'STATE', 'REASON')}SERVICE / INFO\n`;
    for (const r of rows) {
      const findings = [...r.findings].sort((a, b) => rank(a.severity) - rank(b.severity));
      const lines = [...r.details, ...findings.map((f) => `! ${f.severity.toUpperCase().padEnd(8)} ${f.title} (${f.id})`)];
      // a row with nothing to head it (the host row) starts with its first line
      const headline = r.service ? serviceText(r.service) : (r.banner ?? (r.unknown ? 'unknown' : lines.shift() ?? ''));
      const isHost = r.port === 0;
      out += `${lead(label(r), isHost ? '' : r.state || '-', isHost ? '' : r.reason || '-')}${cut(headline)}`.trimEnd() + '\n';
      for (const line of lines) out += `${indent}${cut(line)}\n`;
    }
    out += '\n';
  }
  return out;
}

export function rank(severity: string): number {
  const i = SEVERITY_ORDER.indexOf(severity);
  return i < 0 ? SEVERITY_ORDER.length : i;
}
