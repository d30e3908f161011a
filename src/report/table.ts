/** The human table: one block per host, ports in order, a banner preview. */
import type { ScanEvent } from './event.js';
import type { ScanSummary } from './summary.js';
import { previewBytes } from './encode.js';

interface Row {
  port: number;
  protocol: string;
  state: string;
  reason: string;
  info: string[];
}

function compareIp(a: string, b: string): number {
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

function describe(ev: ScanEvent): string {
  const d = ev.result.data as Record<string, unknown>;
  if (ev.origin.type === 'banner' && d.banner instanceof Uint8Array) return previewBytes(d.banner);
  const svc = (ev.result as { service?: { name?: string; product?: string; version?: string } }).service;
  if (svc?.name) return [svc.name, svc.product, svc.version].filter(Boolean).join(' ');
  if (ev.result.error) return `${ev.origin.type}: error: ${ev.result.error}`;
  return ev.origin.type;
}

export function renderTable(events: ScanEvent[], columns: number, summary?: ScanSummary): string {
  const hosts = new Map<string, { hostname?: string; rows: Map<string, Row> }>();
  for (const ev of events) {
    const ip = ev.target.ip;
    let h = hosts.get(ip);
    if (!h) hosts.set(ip, (h = { hostname: ev.target.hostname, rows: new Map() }));
    const key = `${ev.target.port}/${ev.target.protocol}`;
    let row = h.rows.get(key);
    if (!row) h.rows.set(key, (row = { port: ev.target.port, protocol: ev.target.protocol, state: '', reason: '', info: [] }));
    if (ev.origin.module === 'portscan') {
      const st = (ev.result.data as { state?: { state?: string; reason?: string } }).state;
      row.state = st?.state ?? '';
      row.reason = st?.reason ?? '';
    } else {
      // several modules often agree (service-simple and a protocol plugin): say it once
      const line = describe(ev);
      if (!row.info.includes(line)) row.info.push(line);
    }
  }
  if (hosts.size === 0) return summary?.interrupted ? '' : 'No open ports found.\n';
  let out = '';
  for (const ip of [...hosts.keys()].sort(compareIp)) {
    const h = hosts.get(ip)!;
    out += `${ip}${h.hostname ? ` (${h.hostname})` : ''}\n`;
    out += `  ${'PORT'.padEnd(11)} ${'STATE'.padEnd(13)} ${'REASON'.padEnd(12)} INFO\n`;
    const rows = [...h.rows.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
    for (const r of rows) {
      const lead = `  ${`${r.port}/${r.protocol}`.padEnd(11)} ${(r.state || '-').padEnd(13)} ${(r.reason || '-').padEnd(12)} `;
      const width = Math.max(20, columns - lead.length);
      const infos = r.info.length ? r.info : [''];
      out += lead + infos[0]!.slice(0, width) + '\n';
      for (const more of infos.slice(1)) out += ' '.repeat(lead.length) + more.slice(0, width) + '\n';
    }
    out += '\n';
  }
  return out;
}
