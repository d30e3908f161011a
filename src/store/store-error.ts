import { WasmapError } from '../errors.js';

/**
 * The plugin store refused something: a wrong sha256, a bad download or index,
 * a revoked plugin, a conflict. One-line message; the CLI exits 2 (bad input).
 */
export class StoreError extends WasmapError {
  /** the HTTP status of a refused download, when it was one (a missing .minisig is a 404, not an error) */
  readonly status?: number;
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('WASMAP_STORE', message, options);
    this.name = 'StoreError';
    if (options?.status !== undefined) this.status = options.status;
  }
}
