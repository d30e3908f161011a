/**
 * A plugin's output maps, returned or emitted, take one path: outputProblem
 * checks the map (in the worker: `emit` refuses a bad one, a bad return
 * fails the invocation), readOutput reads it once into a PluginOutput, and
 * modules/plugins/plugin-events.ts makes the event of that.
 */
import type { Finding, ServiceInfo } from '../model/key-contracts.js';
import { isMap } from '../model/is-map.js';
import type { InvocationResult, PluginManifest, PluginOutput, SandboxStats, TrapCode } from './types.js';
import { STATUSES } from './types.js';

/** How an invocation ended early, when it did. */
export interface Ending {
  error?: string;
  limit?: string;
  code?: TrapCode;
}

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

/** The ABI §7 keys; a map's others are its `other` (provides keys and the rest). */
const OUTPUT_KEYS = new Set(['status', 'data', 'service', 'findings', 'error', 'summary']);

/**
 * A checked output map (outputProblem found nothing) as a PluginOutput. Keys
 * are picked, never spread, so a hostile map cannot set host fields; the
 * summary is cut to its line here, once.
 */
export function readOutput(map: Record<string, unknown>): PluginOutput {
  const o: PluginOutput = {};
  if (map.data !== undefined) o.data = map.data;
  if (map.service !== undefined) o.service = map.service as ServiceInfo;
  if (map.findings !== undefined) o.findings = map.findings as Finding[];
  const summary = summaryLine(map.summary);
  if (summary) o.summary = summary;
  if (typeof map.error === 'string') o.error = map.error;
  if (typeof map.status === 'string') o.status = map.status;
  const other = Object.entries(map).filter(([k]) => !OUTPUT_KEYS.has(k));
  if (other.length > 0) o.other = Object.fromEntries(other);
  return o;
}

/**
 * Builds an InvocationResult from what the guest returned (a decoded map, or
 * nothing), what it emitted and how the invocation ended.
 */
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
  if (problem) ending ??= { error: `plugin returned invalid output: ${problem}`, code: 'sandbox.output.invalid' };
  else if (output) Object.assign(r, readOutput(output)); // status stays `success` unless the map names one
  if (ending) {
    r.status = 'application-error';
    if (ending.error !== undefined) r.error = ending.error;
    if (ending.limit) sandbox.limit = ending.limit;
    if (ending.code) sandbox.code = ending.code;
  }
  return r;
}

/** A8: the first line of a string summary, cut to 200 characters. */
function summaryLine(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const line = v.split(/\r?\n/, 1)[0]!.trim();
  return line ? [...line].slice(0, 200).join('') : undefined;
}
