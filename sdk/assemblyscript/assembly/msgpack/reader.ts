// Msgpack decoder, bounded for hostile input: every length is checked
// against the bytes left before anything is allocated, nesting and item
// counts are capped, extension types and the reserved byte 0xc1 are refused
// (ABI §9), and a failure is reported as an error string, never a trap.
import { Value } from "./value";

export class DecodeLimits {
  constructor(
    /** Deepest nesting of arrays/maps (the root container is depth 1). */
    public maxDepth: i32 = 32,
    /** Values in the whole document, containers included. */
    public maxItems: i32 = 1 << 20,
  ) {}
}

export class Reader {
  private pos: usize = 0;
  private items: i32 = 0;
  /** Empty while decoding succeeds; the first failure's reason afterwards. */
  error: string = "";

  constructor(private base: usize, private len: usize, private limits: DecodeLimits = new DecodeLimits()) {}

  /** Reads exactly one value covering all the bytes; null (and `error`) otherwise. */
  readDocument(): Value | null {
    const v = this.read(0);
    if (v === null) return null;
    if (this.pos != this.len) return this.fail("trailing bytes after the msgpack value");
    return v;
  }

  private fail(msg: string): Value | null {
    if (this.error.length == 0) this.error = msg + " at byte " + this.pos.toString();
    return null;
  }

  private left(): usize { return this.len - this.pos; }

  private has(n: i64): bool { return n >= 0 && n <= <i64>this.left(); }

  private u8(): u32 { const v = <u32>load<u8>(this.base + this.pos); this.pos += 1; return v; }
  private be16(): u32 { const v = <u32>bswap<u16>(load<u16>(this.base + this.pos)); this.pos += 2; return v; }
  private be32(): u32 { const v = bswap<u32>(load<u32>(this.base + this.pos)); this.pos += 4; return v; }
  private be64(): u64 { const v = bswap<u64>(load<u64>(this.base + this.pos)); this.pos += 8; return v; }

  /** Reads a length of `width` bytes (1, 2 or 4); -1 when truncated. */
  private lengthOf(width: i32): i64 {
    if (!this.has(<i64>width)) return -1;
    if (width == 1) return <i64>this.u8();
    if (width == 2) return <i64>this.be16();
    return <i64>this.be32();
  }

  private read(depth: i32): Value | null {
    if (++this.items > this.limits.maxItems) return this.fail("more than " + this.limits.maxItems.toString() + " msgpack items");
    if (!this.has(1)) return this.fail("truncated msgpack");
    const t = this.u8();
    if (t <= 0x7f) return Value.int(<i64>t);
    if (t >= 0xe0) return Value.int(<i64>(<i8>t));
    if (t <= 0x8f) return this.map(<i64>(t & 0x0f), depth);
    if (t <= 0x9f) return this.array(<i64>(t & 0x0f), depth);
    if (t <= 0xbf) return this.str(<i64>(t & 0x1f));
    switch (t) {
      case 0xc0: return Value.nil();
      case 0xc2: return Value.bool(false);
      case 0xc3: return Value.bool(true);
      case 0xc4: return this.bin(this.lengthOf(1));
      case 0xc5: return this.bin(this.lengthOf(2));
      case 0xc6: return this.bin(this.lengthOf(4));
      case 0xca: {
        if (!this.has(4)) return this.fail("truncated float32");
        return Value.float(<f64>reinterpret<f32>(this.be32()));
      }
      case 0xcb: {
        if (!this.has(8)) return this.fail("truncated float64");
        return Value.float(reinterpret<f64>(this.be64()));
      }
      case 0xcc: return this.has(1) ? Value.int(<i64>this.u8()) : this.fail("truncated uint8");
      case 0xcd: return this.has(2) ? Value.int(<i64>this.be16()) : this.fail("truncated uint16");
      case 0xce: return this.has(4) ? Value.int(<i64>this.be32()) : this.fail("truncated uint32");
      case 0xcf: {
        if (!this.has(8)) return this.fail("truncated uint64");
        const u = this.be64();
        const v = Value.int(<i64>u);
        v.unsigned = u > <u64>i64.MAX_VALUE;
        return v;
      }
      case 0xd0: return this.has(1) ? Value.int(<i64>(<i8>this.u8())) : this.fail("truncated int8");
      case 0xd1: return this.has(2) ? Value.int(<i64>(<i16>this.be16())) : this.fail("truncated int16");
      case 0xd2: return this.has(4) ? Value.int(<i64>(<i32>this.be32())) : this.fail("truncated int32");
      case 0xd3: return this.has(8) ? Value.int(<i64>this.be64()) : this.fail("truncated int64");
      case 0xd9: return this.str(this.lengthOf(1));
      case 0xda: return this.str(this.lengthOf(2));
      case 0xdb: return this.str(this.lengthOf(4));
      case 0xdc: return this.array(this.lengthOf(2), depth);
      case 0xdd: return this.array(this.lengthOf(4), depth);
      case 0xde: return this.map(this.lengthOf(2), depth);
      case 0xdf: return this.map(this.lengthOf(4), depth);
    }
    this.pos -= 1;
    return this.fail(t == 0xc1 ? "reserved msgpack byte 0xc1" : "msgpack extension types are not allowed");
  }

  private str(n: i64): Value | null {
    if (n < 0 || !this.has(n)) return this.fail("truncated str");
    const s = String.UTF8.decodeUnsafe(this.base + this.pos, <usize>n, false);
    this.pos += <usize>n;
    return Value.str(s);
  }

  private bin(n: i64): Value | null {
    if (n < 0 || !this.has(n)) return this.fail("truncated bin");
    const b = new Uint8Array(<i32>n);
    memory.copy(b.dataStart, this.base + this.pos, <usize>n);
    this.pos += <usize>n;
    return Value.bin(b);
  }

  private array(n: i64, depth: i32): Value | null {
    if (n < 0) return this.fail("truncated array header");
    if (depth + 1 > this.limits.maxDepth) return this.fail("msgpack nested deeper than " + this.limits.maxDepth.toString());
    // every element takes at least one byte: a count beyond that is a lie
    if (!this.has(n)) return this.fail("array of " + n.toString() + " elements in " + this.left().toString() + " bytes");
    const items = new Array<Value>(0);
    for (let i: i64 = 0; i < n; i++) {
      const v = this.read(depth + 1);
      if (v === null) return null;
      items.push(v);
    }
    return Value.array(items);
  }

  private map(n: i64, depth: i32): Value | null {
    if (n < 0) return this.fail("truncated map header");
    if (depth + 1 > this.limits.maxDepth) return this.fail("msgpack nested deeper than " + this.limits.maxDepth.toString());
    if (!this.has(n * 2)) return this.fail("map of " + n.toString() + " entries in " + this.left().toString() + " bytes");
    const keys = new Array<string>(0);
    const values = new Array<Value>(0);
    for (let i: i64 = 0; i < n; i++) {
      const k = this.read(depth + 1);
      if (k === null) return null;
      let key: string;
      if (k.isString) key = k.s;
      else if (k.kind == 2 /* Int */) key = k.unsigned ? (<u64>k.i).toString() : k.i.toString();
      else return this.fail("msgpack map key is not a string or integer");
      const v = this.read(depth + 1);
      if (v === null) return null;
      keys.push(key);
      values.push(v);
    }
    return Value.map(keys, values);
  }
}

let lastError: string = "";

/** Decodes one msgpack document; null on any malformation (see `decodeError()`). */
export function decode(bytes: Uint8Array, limits: DecodeLimits = new DecodeLimits()): Value | null {
  return decodeAt(bytes.dataStart, bytes.length, limits);
}

/** As `decode`, over raw guest memory (used for the host's input). */
export function decodeAt(ptr: usize, len: i32, limits: DecodeLimits = new DecodeLimits()): Value | null {
  const r = new Reader(ptr, <usize>len, limits);
  const v = r.readDocument();
  lastError = r.error;
  return v;
}

/** Why the last `decode` failed; empty after a success. */
export function decodeError(): string { return lastError; }
