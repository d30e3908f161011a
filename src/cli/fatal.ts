/**
 * The one mapping from how a command ended to its exit status: an error that
 * reaches the top becomes one line on stderr, a signal becomes 130/143.
 */
import { isWasmapError } from '../errors.js';
import { forTerminal, linesForTerminal } from '../report/terminal-text.js';

const USAGE_CODES = new Set(['WASMAP_USAGE', 'WASMAP_TARGET_TOO_LARGE', 'WASMAP_RESOLVE', 'WASMAP_DAG', 'WASMAP_PLUGIN_LOAD', 'WASMAP_SIGNATURE', 'WASMAP_STORE']);

/** Errors the user can fix (bad input) exit 2; everything else exits 1. */
export function isUsageCode(code: string): boolean {
  return USAGE_CODES.has(code);
}

export function exitCodeFor(e: unknown): number {
  return isWasmapError(e) && isUsageCode(e.code) ? 2 : 1;
}

/** A run cut short by a signal exits as shells report one: 128 + the signal number. */
export function exitCodeForSignal(signal: string): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/** Writes the error's one line (to stderr unless `write` is given) and returns the exit status. */
export function reportFatal(e: unknown, write: (text: string) => void = (t) => { process.stderr.write(t); }): number {
  // messages echo manifests, import names and file content: escaped for the terminal
  const message = forTerminal((e instanceof Error ? e.message : String(e)).split('\n')[0]!);
  if (isWasmapError(e)) {
    write(`wasmap: error: ${message}\n`);
    return exitCodeFor(e);
  }
  write(`wasmap: internal error: ${message}\n`);
  if (process.env.WASMAP_DEBUG && e instanceof Error) write(`${linesForTerminal(e.stack ?? '')}\n`);
  return 1;
}
