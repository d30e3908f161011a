/**
 * JSON encoding of events and `plugin test` results (ABI §7): raw bytes
 * (msgpack `bin`, banners) become base64 strings; a bigint becomes a number
 * when it is a safe integer, else its decimal string (no precision lost).
 * The bytes are recognised on the holder (`this[key]`): a Buffer has
 * already turned into `{type: "Buffer", data}` by its toJSON when the
 * replacer sees `value`, and a plugin's own map of that shape must stay a map.
 */
export function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
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
