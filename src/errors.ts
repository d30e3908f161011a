/**
 * wasmap's errors carry a stable `code` that callers and tests match on
 * (message texts may change). Errors cross worker boundaries as plain
 * `{code, message}` because structuredClone drops subclasses on Node 20;
 * `fromWire` rebuilds them.
 */
export type ErrorCode =
  | 'WASMAP_USAGE'            // bad user input: targets, ports, flags, files
  | 'WASMAP_TARGET_TOO_LARGE'
  | 'WASMAP_RESOLVE'          // a hostname target did not resolve
  | 'WASMAP_DAG'              // invalid DAG definition
  | 'WASMAP_PLUGIN_LOAD'      // plugin refused at load
  | 'WASMAP_PLUGIN_TRAP'
  | 'WASMAP_PLUGIN_LIMIT'
  | 'WASMAP_PLUGIN_OUTPUT'
  | 'WASMAP_ABORTED'          // the caller's AbortSignal stopped the scan (events so far were delivered)
  | 'WASMAP_INTERNAL';

export class WasmapError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmapError';
    this.code = code;
  }
  toWire(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
  static fromWire(w: { code: ErrorCode; message: string }): WasmapError {
    return new WasmapError(w.code, w.message);
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
