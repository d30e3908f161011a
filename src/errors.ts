/**
 * wasmap's errors carry a stable `code` that callers and tests match on
 * (message texts may change). Errors cross worker boundaries as plain
 * `{code, message}` because structuredClone drops subclasses on Node 20,
 * and the receiving side rebuilds them from the code (sandbox/pool.ts).
 */
export type ErrorCode =
  | 'WASMAP_USAGE'            // bad user input: targets, ports, flags, files
  | 'WASMAP_TARGET_TOO_LARGE'
  | 'WASMAP_RESOLVE'          // a hostname target did not resolve
  | 'WASMAP_DAG'              // invalid DAG definition
  | 'WASMAP_PLUGIN_LOAD'      // plugin refused at load (a plugin that fails while running is a result, not an error: sandbox TRAP_CODES)
  | 'WASMAP_SIGNATURE'        // a signature or key that is malformed, untrusted or does not match (plugin store)
  | 'WASMAP_STORE'            // the plugin store refused: wrong sha256, bad download or index, revoked, conflict
  | 'WASMAP_ABORTED'          // the caller's AbortSignal stopped the scan (events so far were delivered)
  | 'WASMAP_INTERNAL';

export class WasmapError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmapError';
    this.code = code;
  }
}

/** Bad user input: the CLI prints the message on one line and exits 2. */
export class UsageError extends WasmapError {
  constructor(message: string) {
    super('WASMAP_USAGE', message);
    this.name = 'UsageError';
  }
}

export function isWasmapError(e: unknown): e is WasmapError {
  return e instanceof WasmapError;
}
