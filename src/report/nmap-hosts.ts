/**
 * Events → what nmap's formats list: hosts (by address), their ports with
 * state, reason and service, script results per port and per host, and the
 * scan's error events. Built once at close from all events, because a
 * host's ports and plugin results arrive interleaved with other hosts'.
 *
 * As in the table: ports come from the port scan alone (a plugin cannot add
 * one), results about any other port are left out, a `banner` script comes
 * only from the host's own grabber, and a host-level result (an evaluator)
 * puts each finding about a reported port under that port (as a script of
 * the evaluator's name), the rest under the host. First-class `finding`
 * events are skipped: their findings are already in their plugin's results.
 */
import type { ScanEvent, Transport } from '../model/event.js';
import { portStateOf } from '../model/event.js';
import type { Finding, ServiceInfo } from '../model/key-contracts.js';
import { bannerScript, eventScript, nmapScript, type NmapScript } from './nmap-script.js';
import { nmapService, type NmapService } from './nmap-service.js';

export interface NmapPort {
  port: number;
  protocol: Transport;
  state: string;
  reason: string;
  rttMs?: number;
  service?: NmapService;
  scripts: NmapScript[];
}

export interface NmapHost {
  ip: string;
  hostnames: string[];
  /** first and last event, ms since the epoch */
  start: number;
  end: number;
  ports: NmapPort[];
  scripts: NmapScript[];
}

export interface NmapScan {
  hosts: NmapHost[];
  /** error events (a refused plugin, a failed shard), as post-scan script results */
  errors: NmapScript[];
}

/** The service detector: its result is the port's `<service>`, not a script (unless it failed). */
const SERVICE_DETECTOR = 'service-simple';

function compareIp(a: string, b: string): number {
  const key = (ip: string): string => (ip.includes(':') ? `6${ip}` : `4${ip.split('.').map((n) => n.padStart(3, '0')).join('.')}`);
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** The host's own banner event (see table.ts isHostBanner: a plugin's events always carry a status). */
function isHostBanner(ev: ScanEvent): boolean {
  return ev.origin.type === 'banner' && ev.origin.module === 'grabber' && !('status' in ev.result) && ev.result.data.banner instanceof Uint8Array;
}

const byId = (a: NmapScript, b: NmapScript): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function collectScan(events: readonly ScanEvent[]): NmapScan {
  interface Building { host: NmapHost; ports: Map<string, NmapPort & { said: ServiceInfo[] }> }
  const hosts = new Map<string, Building>();
  const key = (port: number, protocol: string): string => `${port}/${protocol}`;
  const errors: NmapScript[] = [];

  for (const ev of events) {
    if (ev.origin.module !== 'portscan' || !(ev.target.port > 0) || !ev.target.ip) continue;
    const { ip, hostname, port, protocol } = ev.target;
    let b = hosts.get(ip);
    if (!b) hosts.set(ip, (b = { host: { ip, hostnames: [], start: ev.origin.ts, end: ev.origin.ts, ports: [], scripts: [] }, ports: new Map() }));
    const st = portStateOf(ev);
    const rtt = (ev.result.data as { rtt_ms?: unknown }).rtt_ms;
    b.ports.set(key(port, protocol), {
      port, protocol, state: String(st?.state ?? 'unknown'), reason: String(st?.reason ?? 'unknown'),
      ...(typeof rtt === 'number' ? { rttMs: rtt } : {}), scripts: [], said: [],
    });
    if (hostname && !b.host.hostnames.includes(hostname)) b.host.hostnames.push(hostname);
  }

  for (const ev of events) {
    if (ev.origin.module === 'portscan' || ev.origin.type === 'finding') continue;
    const r = ev.result;
    if (ev.origin.module === 'error' || !ev.target.ip) {
      errors.push(nmapScript(ev.origin.type, { error: `${r.status ?? 'error'}: ${r.error ?? ''}`, data: Object.keys(r.data ?? {}).length ? r.data : undefined }));
      continue;
    }
    const b = hosts.get(ev.target.ip);
    if (!b) continue;
    b.host.start = Math.min(b.host.start, ev.origin.ts);
    b.host.end = Math.max(b.host.end, ev.origin.ts);
    const { port, protocol } = ev.target;
    if (port > 0) {
      const p = b.ports.get(key(port, protocol));
      if (!p) continue;
      if (isHostBanner(ev)) p.scripts.push(bannerScript(ev.result.data.banner as Uint8Array));
      else {
        if (r.service) p.said.push(r.service);
        if (ev.origin.type !== SERVICE_DETECTOR || r.error) p.scripts.push(eventScript(ev));
      }
      continue;
    }
    // host level: each finding about a reported port goes under that port
    const mine: Finding[] = [];
    const under = new Map<NmapPort, Finding[]>();
    for (const f of r.findings ?? []) {
      const p = typeof f.port === 'number' && f.port > 0 ? b.ports.get(key(f.port, f.transport ?? protocol)) : undefined;
      if (p) under.set(p, [...(under.get(p) ?? []), f]);
      else mine.push(f);
    }
    b.host.scripts.push(eventScript(ev, mine));
    for (const [p, fs] of under) p.scripts.push(nmapScript(ev.origin.type, { findings: fs }));
  }

  const list = [...hosts.values()].map(({ host, ports }) => {
    host.ports = [...ports.values()]
      .sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port)
      .map(({ said, ...p }) => ({ ...p, service: nmapService(said), scripts: p.scripts.sort(byId) }));
    host.scripts.sort(byId);
    return host;
  });
  return { hosts: list.sort((a, b) => compareIp(a.ip, b.ip)), errors };
}

/** The host's mean round-trip time over its ports, in ms, if the port scan measured any. */
export function hostRtt(h: NmapHost): number | undefined {
  const rtts = h.ports.map((p) => p.rttMs).filter((x): x is number => x !== undefined);
  return rtts.length > 0 ? rtts.reduce((a, b) => a + b, 0) / rtts.length : undefined;
}

/** Why the host counts as up: the reason its first port answered with. */
export function hostReason(h: NmapHost): string {
  return h.ports.find((p) => p.reason)?.reason ?? 'unknown';
}
