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
  if (output) {
    if ('data' in output) r.data = output.data;
    if ('service' in output) r.service = output.service;
    if (Array.isArray(output.findings)) r.findings = output.findings;
    const summary = summaryLine(output.summary);
    if (summary) r.summary = summary;
    if (typeof output.error === 'string') r.error = output.error;
    if (output.status !== undefined) {
      if (typeof output.status === 'string' && (STATUSES as readonly string[]).includes(output.status)) r.status = output.status;
      else ending ??= { error: `plugin returned an invalid status ${JSON.stringify(output.status)}` };
    }
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
