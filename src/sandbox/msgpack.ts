import { Packr, Unpackr } from 'msgpackr';

/**
 * Msgpack at the plugin boundary (ABI §9): standard msgpack only. Plugin
 * bytes are hostile, so `checkMsgpack` walks them first with hard bounds
 * (size, depth, item count, no extension types, no reserved byte, string or
 * integer map keys, exactly one value) and only then msgpackr decodes them.
 */

export interface DecodeBounds {
  maxBytes: number;
  maxDepth: number;
  maxItems: number;
}

export const DEFAULT_BOUNDS: DecodeBounds = { maxBytes: 1 << 20, maxDepth: 32, maxItems: 1 << 20 };

export class MsgpackError extends Error {}

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', moreTypes: false, copyBuffers: true });
const packr = new Packr({ useRecords: false, variableMapSize: true, moreTypes: false });

/** Throws MsgpackError when `buf` is not one bounded, standard msgpack value. */
export function checkMsgpack(buf: Uint8Array, bounds: DecodeBounds = DEFAULT_BOUNDS): void {
  if (buf.length > bounds.maxBytes) throw new MsgpackError(`msgpack of ${buf.length} bytes exceeds ${bounds.maxBytes}`);
  const n = buf.length;
  let pos = 0;
  let items = 0;
  const need = (k: number): void => {
    if (pos + k > n) throw new MsgpackError('truncated msgpack');
  };
  const be = (k: number): number => {
    need(k);
    let v = 0;
    for (let i = 0; i < k; i++) v = v * 256 + buf[pos + i]!;
    pos += k;
    return v;
  };
  const skip = (k: number): void => {
    need(k);
    pos += k;
  };
  // `asKey`: map keys must be strings or integers (they become object keys).
  const value = (depth: number, asKey: boolean): void => {
    if (++items > bounds.maxItems) throw new MsgpackError(`msgpack has more than ${bounds.maxItems} items`);
    need(1);
    const t = buf[pos++]!;
    const isStr = (t >= 0xa0 && t <= 0xbf) || t === 0xd9 || t === 0xda || t === 0xdb;
    const isInt = t <= 0x7f || t >= 0xe0 || (t >= 0xcc && t <= 0xd3);
    if (asKey && !isStr && !isInt) throw new MsgpackError('msgpack map key is not a string or integer');
    if (t <= 0x7f || t >= 0xe0) return;
    if (t <= 0x8f) return container(t & 0x0f, true, depth);
    if (t <= 0x9f) return container(t & 0x0f, false, depth);
    if (t <= 0xbf) return skip(t & 0x1f);
    switch (t) {
      case 0xc0: case 0xc2: case 0xc3: return;
      case 0xc4: case 0xd9: return skip(be(1));
      case 0xc5: case 0xda: return skip(be(2));
      case 0xc6: case 0xdb: return skip(be(4));
      case 0xca: return skip(4);
      case 0xcb: return skip(8);
      case 0xcc: case 0xd0: return skip(1);
      case 0xcd: case 0xd1: return skip(2);
      case 0xce: case 0xd2: return skip(4);
      case 0xcf: case 0xd3: return skip(8);
      case 0xdc: return container(be(2), false, depth);
      case 0xdd: return container(be(4), false, depth);
      case 0xde: return container(be(2), true, depth);
      case 0xdf: return container(be(4), true, depth);
      default:
        // 0xc1 (never used) and 0xc7-0xc9 / 0xd4-0xd8 (extension types)
        throw new MsgpackError(t === 0xc1 ? 'reserved msgpack byte 0xc1' : 'msgpack extension types are not allowed');
    }
  };
  const container = (count: number, isMap: boolean, depth: number): void => {
    if (depth + 1 > bounds.maxDepth) throw new MsgpackError(`msgpack nested deeper than ${bounds.maxDepth}`);
    // Every element takes at least one byte: reject impossible counts early.
    if (count * (isMap ? 2 : 1) > n - pos) throw new MsgpackError('truncated msgpack');
    for (let i = 0; i < count; i++) {
      if (isMap) value(depth + 1, true);
      value(depth + 1, false);
    }
  };
  value(0, false);
  if (pos !== n) throw new MsgpackError(`${n - pos} trailing bytes after msgpack value`);
}

/** Bounded decode of hostile msgpack (see `checkMsgpack`). */
export function decodeBounded(buf: Uint8Array, bounds: DecodeBounds = DEFAULT_BOUNDS): unknown {
  checkMsgpack(buf, bounds);
  try {
    return unpackr.unpack(buf);
  } catch (e) {
    throw new MsgpackError(`invalid msgpack: ${(e as Error).message}`);
  }
}

/** Standard msgpack for the plugin: undefined dropped, Dates as ms, Maps as maps. */
export function encode(value: unknown): Uint8Array {
  return packr.pack(plain(value));
}

function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v;
  if (v instanceof Date) return v.getTime();
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : plain(x)));
  const out: Record<string, unknown> = {};
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  for (const [k, x] of entries) if (x !== undefined && typeof x !== 'function') out[String(k)] = plain(x);
  return out;
}
