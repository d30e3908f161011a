/** Turns any error that reaches the top into one line on stderr and an exit status. */
import { isWasmapError } from '../errors.js';
import { forTerminal, linesForTerminal } from '../report/terminal-text.js';

const USAGE_CODES = new Set(['WASMAP_USAGE', 'WASMAP_TARGET_TOO_LARGE', 'WASMAP_RESOLVE', 'WASMAP_DAG', 'WASMAP_PLUGIN_LOAD']);

/** Errors the user can fix (bad input) exit 2; everything else exits 1. */
export function isUsageCode(code: string): boolean {
  return USAGE_CODES.has(code);
}

export function exitCodeFor(e: unknown): number {
  return isWasmapError(e) && isUsageCode(e.code) ? 2 : 1;
}

export function reportFatal(e: unknown): number {
  // messages echo manifests, import names and file content: escaped for the terminal
  const message = forTerminal((e instanceof Error ? e.message : String(e)).split('\n')[0]!);
  if (isWasmapError(e)) {
    process.stderr.write(`wasmap: error: ${message}\n`);
    return exitCodeFor(e);
  }
  process.stderr.write(`wasmap: internal error: ${message}\n`);
  if (process.env.WASMAP_DEBUG && e instanceof Error) process.stderr.write(`${linesForTerminal(e.stack ?? '')}\n`);
  return 1;
}
