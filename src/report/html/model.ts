/**
 * What the HTML report shows, grouped from the events as the table groups
 * them (table.ts): port rows come from the port scan alone, every other
 * result sits under a reported port or the host's `host` row, a host-level
 * result's finding under the port it names, the best service heads the row,
 * and a banner only from the host's own grabber. Unlike the table, each
 * plugin result keeps its status, data and screenshots, and each finding its
 * evidence and plugin. Finding events (origin.type `finding`) repeat their
 * result's findings and are skipped; error events without a host are listed
 * on their own.
 */
import { FINDING, portStateOf, SEVERITIES, type ScanEvent } from '../../model/event.js';
import type { ScanSummary } from '../summary.js';
import { previewBytes } from '../encode.js';
import { compareIp, isHostBanner, rank, serviceOf, weight, type Service } from '../table.js';
import { extractImages } from './images.js';

/** What the caller knows besides the events (the scan's profile and plugins). */
export interface HtmlReportMeta {
  profile?: string;
  plugins?: { name: string; version?: string; kind?: string; sha256?: string }[];
}

export interface FindingView {
  severity: string;
  id: string;
  title: string;
  evidence?: string;
  plugin: string;
}

export interface ResultView {
  plugin: string;
  status?: string;
  summary?: string;
  error?: string;
  service?: Service;
  data: Record<string, unknown>;
  images: string[];
}

export interface PortView {
  /** 0: the host row */
  port: number;
  protocol: string;
  state: string;
  reason: string;
  rtt_ms?: number;
  service?: Service;
  unknown: boolean;
  banner?: string;
  results: ResultView[];
  findings: FindingView[];
}

export interface HostView {
  ip: string;
  hostname?: string;
  ports: PortView[];
}

export interface ReportModel {
  hosts: HostView[];
  /** errors about no host (a plugin that did not load) */
  errors: { source: string; message: string }[];
  /** every plugin with a result, with what the meta says of it */
  plugins: { name: string; version?: string; kind?: string; sha256?: string }[];
  severityCounts: Record<string, number>;
  openPorts: number;
  firstTs?: number;
  lastTs?: number;
  jobId?: string;
  summary?: ScanSummary;
  meta: HtmlReportMeta;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : v === undefined || v === null ? undefined : String(v));

/** The host grabber's banner: bytes, or the base64 a saved JSONL holds. */
function bannerText(v: unknown): string | undefined {
  if (v instanceof Uint8Array) return previewBytes(v, 200);
  if (typeof v === 'string') return previewBytes(Buffer.from(v, 'base64'), 200);
  return undefined;
}

function findingViews(ev: ScanEvent) {
  return (ev.result.findings ?? []).map((f) => ({
    view: {
      severity: (text(f.severity) ?? 'info').toLowerCase(),
      id: text(f.id) ?? '?',
      title: text(f.title) ?? '',
      evidence: text(f.evidence),
      plugin: ev.origin.type,
    } satisfies FindingView,
    port: typeof f.port === 'number' && f.port > 0 ? f.port : undefined,
    transport: f.transport,
  }));
}

const rowKey = (port: number, protocol: string): string => (port > 0 ? `${port}/${protocol}` : 'host');
const newRow = (port: number, protocol: string): PortView => ({ port, protocol, state: '', reason: '', unknown: false, results: [], findings: [] });

export function buildModel(events: readonly ScanEvent[], summary: ScanSummary | undefined, meta: HtmlReportMeta = {}): ReportModel {
  const hosts = new Map<string, { hostname?: string; rows: Map<string, PortView> }>();
  const hostOf = (ip: string, hostname: string | undefined) => {
    let h = hosts.get(ip);
    if (!h) hosts.set(ip, (h = { hostname, rows: new Map() }));
    return h;
  };
  const reported = (ip: string, port: number, protocol: string): PortView | undefined => hosts.get(ip)?.rows.get(rowKey(port, protocol));
  const model: ReportModel = { hosts: [], errors: [], plugins: [], severityCounts: Object.fromEntries(SEVERITIES.map((s) => [s, 0])), openPorts: 0, summary, meta };
  const seenPlugins = new Set<string>();

  for (const ev of events) {
    // a re-read JSONL may carry anything here
    if (Number.isFinite(ev.origin.ts)) {
      model.firstTs = Math.min(model.firstTs ?? ev.origin.ts, ev.origin.ts);
      model.lastTs = Math.max(model.lastTs ?? ev.origin.ts, ev.origin.ts);
    }
    model.jobId ??= text(ev.origin.job_id);
    if (ev.origin.module !== 'portscan' || !(ev.target.port > 0)) continue;
    const { ip, hostname, port, protocol } = ev.target;
    const rows = hostOf(ip, hostname).rows;
    let row = rows.get(rowKey(port, protocol));
    if (!row) rows.set(rowKey(port, protocol), (row = newRow(port, protocol)));
    const st = portStateOf(ev);
    row.state = String(st?.state ?? '');
    row.reason = String(st?.reason ?? '');
    const rtt = ev.result.data.rtt_ms;
    if (typeof rtt === 'number') row.rtt_ms = rtt;
  }

  for (const ev of events) {
    if (ev.origin.module === 'portscan' || ev.origin.type === FINDING) continue;
    const { ip, hostname, port, protocol } = ev.target;
    if (!ip) {
      if (ev.result.error) model.errors.push({ source: ev.origin.type, message: ev.result.error });
      continue;
    }
    let row = port > 0 ? reported(ip, port, protocol) : undefined;
    if (!row && port === 0) {
      const rows = hostOf(ip, hostname).rows;
      if (!rows.has('host')) rows.set('host', newRow(0, 'tcp'));
      row = rows.get('host');
    }
    if (!row) continue;
    // a saved JSONL holds the banner as base64, which isHostBanner (bytes only) does not take
    if (isHostBanner(ev) || (ev.origin.type === 'banner' && ev.origin.module === 'grabber' && !('status' in ev.result) && typeof ev.result.data.banner === 'string')) {
      row.banner ??= bannerText(ev.result.data.banner);
      continue;
    }
    const plugin = ev.origin.type;
    seenPlugins.add(plugin);
    const svc = serviceOf(ev.result.service);
    if (ev.result.service?.name === 'unknown') row.unknown = true;
    if (svc && (!row.service || weight(svc) > weight(row.service))) row.service = svc;
    const { images, rest } = extractImages(ev.result.data ?? {});
    row.results.push({ plugin, status: text(ev.result.status), summary: text(ev.result.summary), error: text(ev.result.error), service: svc, data: rest, images });
    for (const f of findingViews(ev)) {
      const named = row.port === 0 && f.port !== undefined ? reported(ip, f.port, f.transport ?? protocol) : undefined;
      const list = (named ?? row).findings;
      if (!list.some((x) => x.id === f.view.id && x.title === f.view.title)) list.push(f.view);
    }
  }

  for (const ip of [...hosts.keys()].sort(compareIp)) {
    const h = hosts.get(ip)!;
    const ports = [...h.rows.values()].sort((a, b) => (a.port || 1e6) - (b.port || 1e6) || a.protocol.localeCompare(b.protocol));
    for (const p of ports) {
      p.findings.sort((a, b) => rank(a.severity) - rank(b.severity));
      for (const f of p.findings) model.severityCounts[f.severity] = (model.severityCounts[f.severity] ?? 0) + 1;
      if (p.state === 'open') model.openPorts++;
    }
    model.hosts.push({ ip, hostname: h.hostname, ports });
  }
  const known = new Map((meta.plugins ?? []).map((p) => [p.name, p]));
  const names = new Set([...known.keys(), ...seenPlugins]);
  model.plugins = [...names].sort().map((name) => known.get(name) ?? { name });
  return model;
}
