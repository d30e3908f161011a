/**
 * Output events in BinaryEdge's shape, one per line in JSONL:
 * `{origin:{type, module, ts, ip, port, job_id}, target:{ip, port, protocol}, result:{data}}`.
 * `origin.module` is `portscan` for port states and `grabber` for anything a
 * grabber, banner reader or plugin produced; `origin.type` names the module
 * (`portscan`, `banner`, or a plugin's name).
 */
import type { Finding, ServiceInfo } from './key-contracts.js';

export type Transport = 'tcp' | 'udp';

export interface EventOrigin {
  type: string;
  module: 'portscan' | 'grabber' | 'error';
  ts: number;
  ip: string;
  port?: number;
  job_id: string;
  hostname?: string;
}

export interface EventTarget {
  ip: string;
  port: number;
  protocol: Transport;
  hostname?: string;
}

/**
 * `result`: `data` always; a plugin's events add `status` (always), `error`,
 * `service`, `findings` and `summary` (one line) as the host read them from
 * its output map (modules/plugins/plugin-events.ts), and `sandbox`.
 */
export interface EventResult {
  data: Record<string, unknown>;
  status?: string;
  error?: string;
  service?: ServiceInfo;
  findings?: Finding[];
  summary?: string;
  [k: string]: unknown;
}

export interface ScanEvent {
  origin: EventOrigin;
  target: EventTarget;
  result: EventResult;
}

export type PortState = 'open' | 'closed' | 'filtered' | 'open|filtered';
export type StateReason = 'syn-ack' | 'conn-refused' | 'timeout' | 'unreachable' | 'udp-response' | 'port-unreach' | 'no-response' | 'error';

export interface PortResult {
  ip: string;
  port: number;
  transport: Transport;
  state: PortState;
  reason: StateReason;
  hostname?: string;
  /** milliseconds from the probe's start to its answer */
  rtt_ms?: number;
}

/** A port event's state and reason (portEvent's `data.state`), read back by the writers. */
export function portStateOf(ev: ScanEvent): { state?: string; reason?: string } | undefined {
  return (ev.result.data as { state?: { state?: string; reason?: string } }).state;
}

/** `jobId` may be left empty by modules: the run's sink stamps it (see withJobId). */
export function portEvent(r: PortResult, jobId = '', ts = Date.now()): ScanEvent {
  return {
    origin: { type: 'portscan', module: 'portscan', ts, ip: r.ip, port: r.port, job_id: jobId, ...(r.hostname ? { hostname: r.hostname } : {}) },
    target: { ip: r.ip, port: r.port, protocol: r.transport, ...(r.hostname ? { hostname: r.hostname } : {}) },
    result: { data: { state: { state: r.state, reason: r.reason }, ...(r.rtt_ms !== undefined ? { rtt_ms: r.rtt_ms } : {}) } },
  };
}

export interface BannerResult {
  ip: string;
  port: number;
  hostname?: string;
  /** raw bytes as received, never decoded */
  banner: Uint8Array;
  /** `passive` if the service spoke first, `probe` if it answered our generic probe */
  method: 'passive' | 'probe';
}

export function bannerEvent(b: BannerResult, jobId = '', ts = Date.now()): ScanEvent {
  return {
    origin: { type: 'banner', module: 'grabber', ts, ip: b.ip, port: b.port, job_id: jobId, ...(b.hostname ? { hostname: b.hostname } : {}) },
    target: { ip: b.ip, port: b.port, protocol: 'tcp', ...(b.hostname ? { hostname: b.hostname } : {}) },
    result: { data: { banner: b.banner, method: b.method, length: b.banner.length } },
  };
}

/** A copy of `ev` that belongs to job `jobId` (events from modules are frozen). */
export function withJobId(ev: ScanEvent, jobId: string): ScanEvent {
  return ev.origin.job_id === jobId ? ev : { ...ev, origin: { ...ev.origin, job_id: jobId } };
}

/** The origin.type of a finding event: one per finding a plugin or evaluator reported. */
export const FINDING = 'finding';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

/**
 * A result's findings as events of their own (`origin.type` = finding,
 * `result.data.plugin` = who found it), each on its own port (the finding's, else
 * the result's), so they can be filtered, counted and exported one by one.
 * The result keeps its `findings` too: renderers draw them from there.
 */
export function findingEvents(ev: ScanEvent): ScanEvent[] {
  return (ev.result.findings ?? []).map((f) => {
    const { id, title, severity, port, transport, ...rest } = f;
    const at = port && port > 0 ? port : ev.target.port;
    const protocol = transport ?? ev.target.protocol;
    const hostname = ev.target.hostname;
    return {
      origin: { type: FINDING, module: 'grabber' as const, ts: ev.origin.ts, ip: ev.target.ip, ...(at ? { port: at } : {}), job_id: ev.origin.job_id, ...(hostname ? { hostname } : {}) },
      target: { ip: ev.target.ip, port: at, protocol, ...(hostname ? { hostname } : {}) },
      result: { data: { ...rest, id, title, severity: severity ?? 'info', plugin: ev.origin.type }, status: 'success' },
    };
  });
}

/**
 * Keeps only findings of these severities (`--severity high,critical`):
 * finding events of others are dropped, and results keep only theirs.
 */
export function severityFilter(keep: readonly string[]): (ev: ScanEvent) => ScanEvent | undefined {
  const wanted = new Set(keep);
  const ok = (s: unknown): boolean => wanted.has(typeof s === 'string' ? s.toLowerCase() : 'info');
  return (ev) => {
    if (ev.origin.type === FINDING) return ok((ev.result.data as { severity?: unknown }).severity) ? ev : undefined;
    const fs = ev.result.findings;
    if (!fs || fs.every((f) => ok(f.severity))) return ev;
    return { ...ev, result: { ...ev.result, findings: fs.filter((f) => ok(f.severity)) } };
  };
}
