import type { InvocationResult, PluginManifest, SandboxStats } from './types.js';
import { STATUSES } from './types.js';

/**
 * Builds an InvocationResult from what the guest returned (a decoded map, or
 * nothing) and how the invocation ended. Output keys are picked, never
 * spread, so a hostile map cannot set host fields.
 */
export interface Ending {
  error?: string;
  limit?: string;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

const SERVICE_TEXT = ['product', 'version', 'extrainfo', 'ostype', 'method', 'probe', 'banner', 'hostname', 'devicetype'];
const isStr = (v: unknown): v is string => typeof v === 'string';

function serviceProblem(v: unknown): string | undefined {
  if (!isMap(v)) return 'service must be a map';
  if (!isStr(v.name) || v.name === '' || v.name.length > 64) return 'service.name must be a string of 1-64 characters';
  for (const k of SERVICE_TEXT) if (v[k] !== undefined && !isStr(v[k])) return `service.${k} must be a string`;
  if (v.cpe !== undefined && !isStr(v.cpe) && !(Array.isArray(v.cpe) && v.cpe.every(isStr))) return 'service.cpe must be a string or a list of strings';
  if (v.confidence !== undefined && (typeof v.confidence !== 'number' || !(v.confidence >= 0 && v.confidence <= 1))) return 'service.confidence must be a number 0..1';
  return undefined;
}

function findingProblem(f: unknown, i: number): string | undefined {
  if (!isMap(f)) return `findings[${i}] must be a map`;
  if (!isStr(f.id) || !isStr(f.title)) return `findings[${i}] needs string id and title`;
  if (f.severity !== undefined && !isStr(f.severity)) return `findings[${i}].severity must be a string`;
  if (f.port !== undefined && !(Number.isInteger(f.port) && (f.port as number) >= 0 && (f.port as number) <= 65535)) return `findings[${i}].port must be a port number`;
  if (f.transport !== undefined && f.transport !== 'tcp' && f.transport !== 'udp') return `findings[${i}].transport must be "tcp" or "udp"`;
  return undefined;
}

/**
 * ABI §7 / A5: what is wrong with an output map (returned or emitted), or
 * undefined. One check for both paths: an emitted map that fails it is
 * refused (`emit` returns -1), a returned one fails the invocation.
 */
export function outputProblem(rec: Record<string, unknown>): string | undefined {
  const st = rec.status;
  if (st !== undefined && !(isStr(st) && (STATUSES as readonly string[]).includes(st))) return `invalid status ${JSON.stringify(st)}`;
  if (rec.error !== undefined && !isStr(rec.error)) return 'error must be a string';
  if (rec.service !== undefined) {
    const p = serviceProblem(rec.service);
    if (p) return p;
  }
  if (rec.findings !== undefined) {
    if (!Array.isArray(rec.findings)) return 'findings must be a list';
    for (let i = 0; i < rec.findings.length; i++) {
      const p = findingProblem(rec.findings[i], i);
      if (p) return p;
    }
  }
  return undefined;
}

export function buildResult(
  manifest: PluginManifest,
  output: Record<string, unknown> | undefined,
  emitted: Record<string, unknown>[],
  ending: Ending | undefined,
  sandbox: SandboxStats,
  logs: InvocationResult['logs'],
): InvocationResult {
  const r: InvocationResult = { status: 'success', provides: {}, sandbox, emitted, logs, produced: output !== undefined || emitted.length > 0 };
  for (const rec of [...emitted, ...(output ? [output] : [])])
    for (const k of manifest.provides) if (Object.hasOwn(rec, k)) r.provides[k] = rec[k];
  const problem = output ? outputProblem(output) : undefined;
  if (problem) ending ??= { error: `plugin returned invalid output: ${problem}` };
  else if (output) {
    if ('data' in output) r.data = output.data;
    if ('service' in output) r.service = output.service;
    if (Array.isArray(output.findings)) r.findings = output.findings;
    const summary = summaryLine(output.summary);
    if (summary) r.summary = summary;
    if (typeof output.error === 'string') r.error = output.error;
    if (typeof output.status === 'string') r.status = output.status;
  }
  if (ending) {
    r.status = 'application-error';
    if (ending.error !== undefined) r.error = ending.error;
    if (ending.limit) sandbox.limit = ending.limit;
  }
  return r;
}

/** A8: the first line of a string summary, cut to 200 characters. */
export function summaryLine(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const line = v.split(/\r?\n/, 1)[0]!.trim();
  return line ? [...line].slice(0, 200).join('') : undefined;
}

export { isMap };
