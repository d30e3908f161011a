/**
 * Plugin results as events and DataContext items. Each `emit` and the return
 * value make one event: origin.type = the plugin's name, origin.module =
 * `grabber`; the host adds status, error and the sandbox figures (ABI §7).
 */
import type { InvocationResult, SandboxStats } from '../../sandbox/index.js';
import { summaryLine } from '../../sandbox/result.js';
import type { ScanEvent, Transport } from '../../model/event.js';

export interface InvocationPoint {
  ip: string;
  port: number;
  transport: Transport;
  hostname?: string;
  /** An evaluator's host: the open ports its findings may name. */
  hostPorts?: Array<{ port: number; transport: Transport }>;
}

/**
 * Findings bound to the invocation that reported them: a finding never names
 * another host (`ip`, `hostname` and `source` are the host's to set), and it
 * names only a port of its invocation — the target's port, or for an
 * evaluator one of the host's open ports — so no row appears for a port the
 * scan never found. Others are refused, each with a reason.
 */
export function bindFindings(findings: unknown, at: InvocationPoint): { kept: Record<string, unknown>[]; refused: string[] } {
  const kept: Record<string, unknown>[] = [];
  const refused: string[] = [];
  for (const f of Array.isArray(findings) ? findings : []) {
    if (!isMap(f)) continue; // shapes were checked in the sandbox
    const { ip: _ip, hostname: _hostname, source: _source, ...rest } = f;
    if (rest.port !== undefined && rest.port !== 0) {
      const transport = rest.transport ?? at.transport;
      const ok = (at.port === rest.port && at.transport === transport) || (at.hostPorts ?? []).some((p) => p.port === rest.port && p.transport === transport);
      if (!ok) {
        refused.push(`finding ${JSON.stringify(rest.id)} names ${String(transport)} port ${String(rest.port)}, which is not a port of this invocation; dropped`);
        continue;
      }
    }
    kept.push(rest);
  }
  return { kept, refused };
}

const OUTPUT_KEYS = new Set(['status', 'data', 'service', 'findings', 'error', 'summary']);

/**
 * An output map (ABI §7) as an event. A map without `data` (e.g. an emitted
 * `{stage: "sent"}`, or only `provides` keys) keeps its other keys as data,
 * so nothing a plugin reports is dropped.
 */
export function resultEvent(plugin: string, at: InvocationPoint, out: Record<string, unknown>, status: string, sandbox?: SandboxStats, error?: string): ScanEvent {
  let data: Record<string, unknown>;
  if (isMap(out.data)) data = out.data;
  else if (out.data !== undefined) data = { value: out.data };
  else data = Object.fromEntries(Object.entries(out).filter(([k]) => !OUTPUT_KEYS.has(k)));
  const result: ScanEvent['result'] = { data, status };
  if (sandbox) result.sandbox = sandbox;
  if (error) result.error = error;
  if (out.service !== undefined) result.service = out.service;
  if (out.findings !== undefined) result.findings = out.findings;
  const summary = summaryLine(out.summary);
  if (summary) result.summary = summary;
  return {
    origin: { type: plugin, module: 'grabber', ts: Date.now(), ip: at.ip, ...(at.port ? { port: at.port } : {}), job_id: '', ...(at.hostname ? { hostname: at.hostname } : {}) },
    target: { ip: at.ip, port: at.port, protocol: at.transport, ...(at.hostname ? { hostname: at.hostname } : {}) },
    result,
  };
}

/**
 * The event for an invocation's return value: a non-zero return makes one
 * (ABI §7), and so does a failure, so every error is visible in the output.
 * Emitted maps were already sent as they came (see plugin-module.ts).
 */
export function returnEvent(plugin: string, at: InvocationPoint, r: InvocationResult): ScanEvent | undefined {
  const out: Record<string, unknown> = { ...r.provides };
  if (r.data !== undefined) out.data = r.data;
  if (r.service !== undefined) out.service = r.service;
  if (r.findings !== undefined) out.findings = r.findings;
  if (r.summary !== undefined) out.summary = r.summary;
  // `produced` is also true when the plugin only emitted; an empty return then adds nothing
  const returned = r.produced && (Object.keys(out).length > 0 || r.emitted.length === 0);
  if (!returned && r.status === 'success') return undefined;
  return resultEvent(plugin, at, out, r.status, r.sandbox, r.error);
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
