/**
 * Plugin results as events. Every output map, emitted or returned, was
 * checked and read once in the sandbox (sandbox/result.ts: outputProblem,
 * readOutput) into a PluginOutput; its findings are bound here, its data
 * normalised by resultData, and resultEvent makes the one event of it:
 * origin.type = the plugin's name, origin.module = `grabber`; the host adds
 * status, error and the sandbox figures (ABI §7).
 */
import type { InvocationResult, PluginOutput, SandboxStats } from '../../sandbox/types.js';
import { isMap } from '../../model/is-map.js';
import type { Finding } from '../../model/key-contracts.js';
import type { EventResult, ScanEvent, Transport } from '../../model/event.js';

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
export function bindFindings(findings: readonly Finding[], at: InvocationPoint): { kept: Finding[]; refused: string[] } {
  const kept: Finding[] = [];
  const refused: string[] = [];
  for (const f of findings) {
    const { ip: _ip, hostname: _hostname, source: _source, ...rest } = f;
    if (rest.port !== undefined && rest.port !== 0) {
      const transport = rest.transport ?? at.transport;
      const ok = (at.port === rest.port && at.transport === transport) || (at.hostPorts ?? []).some((p) => p.port === rest.port && p.transport === transport);
      if (!ok) {
        refused.push(`finding ${JSON.stringify(rest.id)} names ${transport} port ${rest.port}, which is not a port of this invocation; dropped`);
        continue;
      }
    }
    kept.push(rest);
  }
  return { kept, refused };
}

/**
 * A result's data, for its event (`result.data`) and its DataContext item
 * (`plugin_results`, `evaluator_results`) alike: `data` when it is a map,
 * `{value: data}` when it is something else, and for a map without `data`
 * its other keys (e.g. an emitted `{stage: "sent"}`, or `provides` keys), so
 * nothing a plugin reports is dropped.
 */
export function resultData(out: PluginOutput): Record<string, unknown> {
  if (isMap(out.data)) return out.data;
  if (out.data !== undefined) return { value: out.data };
  return out.other ?? {};
}

/** What the host adds to a plugin's result. */
interface HostFields {
  status: string;
  sandbox?: SandboxStats;
  error?: string;
}

/** One output map as an event, emitted or returned alike; `data` is resultData(out). */
function resultEvent(plugin: string, at: InvocationPoint, out: PluginOutput, data: Record<string, unknown>, host: HostFields): ScanEvent {
  const result: EventResult = { data, status: host.status };
  if (host.sandbox) result.sandbox = host.sandbox;
  if (host.error) result.error = host.error;
  if (out.service !== undefined) result.service = out.service;
  if (out.findings !== undefined) result.findings = out.findings;
  if (out.summary !== undefined) result.summary = out.summary;
  return {
    origin: { type: plugin, module: 'grabber', ts: Date.now(), ip: at.ip, ...(at.port ? { port: at.port } : {}), job_id: '', ...(at.hostname ? { hostname: at.hostname } : {}) },
    target: { ip: at.ip, port: at.port, protocol: at.transport, ...(at.hostname ? { hostname: at.hostname } : {}) },
    result,
  };
}

/** The event of an emitted map, sent as it comes: its own status, or `success`. */
export function emitEvent(plugin: string, at: InvocationPoint, out: PluginOutput): ScanEvent {
  return resultEvent(plugin, at, out, resultData(out), { status: out.status ?? 'success' });
}

/**
 * The event of an invocation's return value: a non-zero return makes one
 * (ABI §7), and so does a failure, so every error is visible in the output.
 * After emits, a return that says nothing more (0, or an empty map) adds no
 * event. `data` is resultData(r).
 */
export function returnEvent(plugin: string, at: InvocationPoint, r: InvocationResult, data: Record<string, unknown>): ScanEvent | undefined {
  const says = r.data !== undefined || r.service !== undefined || r.findings !== undefined || r.summary !== undefined || r.other !== undefined;
  // `produced` is also true when the plugin only emitted
  const returned = r.produced && (says || r.emitted.length === 0);
  if (!returned && r.status === 'success') return undefined;
  return resultEvent(plugin, at, r, data, { status: r.status, sandbox: r.sandbox, ...(r.error ? { error: r.error } : {}) });
}
