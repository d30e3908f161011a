import { WasmapError } from '../errors.js';

/**
 * A signature or key that is malformed, does not match, or cannot be used
 * (wrong password). One-line message; the CLI exits 2 (bad input).
 */
export class SignatureError extends WasmapError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WASMAP_SIGNATURE', message, options);
    this.name = 'SignatureError';
  }
}
