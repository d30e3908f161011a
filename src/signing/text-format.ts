/**
 * The text layer shared by minisign's files: lines as minisign's trim()
 * reads them, and base64 that must be canonical (one spelling per key or
 * signature, so a file cannot carry hidden bits).
 */
import { SignatureError } from './signature-error.js';

export const UNTRUSTED_PREFIX = 'untrusted comment: ';
export const TRUSTED_PREFIX = 'trusted comment: ';

/** The file's lines without their '\n' and one trailing '\r' each; empty lines at the end dropped. */
export function fileLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}

/** Decodes standard padded base64 of exactly `size` bytes, or throws SignatureError naming `what`. */
export function decodeBase64(b64: string, size: number, what: string): Buffer {
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : undefined;
  if (!bytes || bytes.toString('base64') !== b64) throw new SignatureError(`${what}: not base64`);
  if (bytes.length !== size) throw new SignatureError(`${what}: ${bytes.length} bytes where minisign's format has ${size}`);
  return bytes;
}

/**
 * minisign shows a key id as the 8 key-id bytes read as a little-endian
 * 64-bit number in upper-case hex (printf %" PRIX64, so without leading
 * zeros); wasmap always writes all 16 digits.
 */
export function keyIdToHex(id: Uint8Array): string {
  return Buffer.from(id).reverse().toString('hex').toUpperCase();
}

/** A key id as minisign prints it (%PRIX64: no leading zeros), e.g. in a .pub file's comment. */
export function keyIdAsPrinted(hex: string): string {
  return hex.replace(/^0+(?=.)/, '');
}

export function keyIdFromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex').reverse();
}

/** What minisign's is_printable() accepts: tab, and no C0, DEL or C1 control characters. */
export function isPrintable(s: string): boolean {
  return !/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(s);
}
