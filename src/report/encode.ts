/** JSON encoding of events: raw bytes (msgpack `bin`, banners) become base64 strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  // Buffer.toJSON runs before the replacer sees a Buffer: turn its {type,data} form back into base64.
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}

export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent);
}

/** Printable one-line preview of raw bytes, for tables. */
export function previewBytes(bytes: Uint8Array, max = 60): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x0d || b === 0x0a) {
      if (s.length > 0) break;
      continue;
    }
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    if (s.length >= max) return s.slice(0, max - 1) + '…';
  }
  return s;
}
