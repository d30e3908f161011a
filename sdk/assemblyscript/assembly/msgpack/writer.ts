// Msgpack encoder (ABI §9: standard msgpack only, smallest encoding of each
// value). `Writer` is the low-level stream; `MapWriter` and `ArrayWriter`
// count their entries so a caller never writes a header by hand.
import { Kind, Value } from "./value";

export class Writer {
  private buf: Uint8Array;
  private len: i32 = 0;

  constructor(capacity: i32 = 64) {
    this.buf = new Uint8Array(capacity < 16 ? 16 : capacity);
  }

  get length(): i32 { return this.len; }

  private ensure(n: i32): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length << 1;
    while (cap < need) cap <<= 1;
    const next = new Uint8Array(cap);
    memory.copy(next.dataStart, this.buf.dataStart, <usize>this.len);
    this.buf = next;
  }

  private u8(v: u32): void {
    this.ensure(1);
    store<u8>(this.buf.dataStart + <usize>this.len, <u8>v);
    this.len += 1;
  }

  private be16(v: u32): void {
    this.ensure(2);
    store<u16>(this.buf.dataStart + <usize>this.len, bswap<u16>(<u16>v));
    this.len += 2;
  }

  private be32(v: u32): void {
    this.ensure(4);
    store<u32>(this.buf.dataStart + <usize>this.len, bswap<u32>(v));
    this.len += 4;
  }

  private be64(v: u64): void {
    this.ensure(8);
    store<u64>(this.buf.dataStart + <usize>this.len, bswap<u64>(v));
    this.len += 8;
  }

  /** Raw bytes, already msgpack (e.g. a nested MapWriter's `encode()`). */
  raw(bytes: Uint8Array): Writer {
    const n = bytes.length;
    this.ensure(n);
    memory.copy(this.buf.dataStart + <usize>this.len, bytes.dataStart, <usize>n);
    this.len += n;
    return this;
  }

  nil(): Writer { this.u8(0xc0); return this; }

  bool(v: bool): Writer { this.u8(v ? 0xc3 : 0xc2); return this; }

  int(v: i64): Writer {
    if (v >= 0) return this.uint(<u64>v);
    if (v >= -32) this.u8(<u32>(<u8>(<i8>v)));
    else if (v >= -128) { this.u8(0xd0); this.u8(<u32>(<u8>(<i8>v))); }
    else if (v >= -32768) { this.u8(0xd1); this.be16(<u32>(<u16>(<i16>v))); }
    else if (v >= -2147483648) { this.u8(0xd2); this.be32(<u32>(<i32>v)); }
    else { this.u8(0xd3); this.be64(<u64>v); }
    return this;
  }

  uint(v: u64): Writer {
    if (v < 128) this.u8(<u32>v);
    else if (v < 256) { this.u8(0xcc); this.u8(<u32>v); }
    else if (v < 65536) { this.u8(0xcd); this.be16(<u32>v); }
    else if (v < 4294967296) { this.u8(0xce); this.be32(<u32>v); }
    else { this.u8(0xcf); this.be64(v); }
    return this;
  }

  float(v: f64): Writer {
    this.u8(0xcb);
    this.be64(reinterpret<u64>(v));
    return this;
  }

  str(v: string): Writer {
    const b = String.UTF8.encode(v);
    const n = b.byteLength;
    if (n < 32) this.u8(0xa0 | <u32>n);
    else if (n < 256) { this.u8(0xd9); this.u8(<u32>n); }
    else if (n < 65536) { this.u8(0xda); this.be16(<u32>n); }
    else { this.u8(0xdb); this.be32(<u32>n); }
    this.ensure(n);
    memory.copy(this.buf.dataStart + <usize>this.len, changetype<usize>(b), <usize>n);
    this.len += n;
    return this;
  }

  bin(v: Uint8Array): Writer {
    const n = v.length;
    if (n < 256) { this.u8(0xc4); this.u8(<u32>n); }
    else if (n < 65536) { this.u8(0xc5); this.be16(<u32>n); }
    else { this.u8(0xc6); this.be32(<u32>n); }
    return this.raw(v);
  }

  arrayHeader(n: i32): Writer {
    if (n < 16) this.u8(0x90 | <u32>n);
    else if (n < 65536) { this.u8(0xdc); this.be16(<u32>n); }
    else { this.u8(0xdd); this.be32(<u32>n); }
    return this;
  }

  mapHeader(n: i32): Writer {
    if (n < 16) this.u8(0x80 | <u32>n);
    else if (n < 65536) { this.u8(0xde); this.be16(<u32>n); }
    else { this.u8(0xdf); this.be32(<u32>n); }
    return this;
  }

  strArray(v: Array<string>): Writer {
    this.arrayHeader(v.length);
    for (let i = 0; i < v.length; i++) this.str(v[i]);
    return this;
  }

  /** Re-encodes a decoded value (e.g. to pass input through to `data`). */
  value(v: Value): Writer {
    switch (v.kind) {
      case Kind.Nil: return this.nil();
      case Kind.Bool: return this.bool(v.b);
      case Kind.Int: return v.unsigned ? this.uint(<u64>v.i) : this.int(v.i);
      case Kind.Float: return this.float(v.f);
      case Kind.Str: return this.str(v.s);
      case Kind.Bin: return this.bin(v.bytes!);
      case Kind.Array: {
        const it = v.items!;
        this.arrayHeader(it.length);
        for (let i = 0; i < it.length; i++) this.value(it[i]);
        return this;
      }
      default: {
        const ks = v.keys!;
        const it = v.items!;
        this.mapHeader(ks.length);
        for (let i = 0; i < ks.length; i++) { this.str(ks[i]); this.value(it[i]); }
        return this;
      }
    }
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** A msgpack map built key by key; `encode()` prefixes the entry count. */
export class MapWriter {
  readonly body: Writer = new Writer();
  private n: i32 = 0;

  get size(): i32 { return this.n; }

  private key(k: string): Writer { this.n++; return this.body.str(k); }

  nil(k: string): MapWriter { this.key(k).nil(); return this; }
  bool(k: string, v: bool): MapWriter { this.key(k).bool(v); return this; }
  int(k: string, v: i64): MapWriter { this.key(k).int(v); return this; }
  uint(k: string, v: u64): MapWriter { this.key(k).uint(v); return this; }
  float(k: string, v: f64): MapWriter { this.key(k).float(v); return this; }
  str(k: string, v: string): MapWriter { this.key(k).str(v); return this; }
  bin(k: string, v: Uint8Array): MapWriter { this.key(k).bin(v); return this; }
  strArray(k: string, v: Array<string>): MapWriter { this.key(k).strArray(v); return this; }
  map(k: string, v: MapWriter): MapWriter { this.key(k).raw(v.encode()); return this; }
  array(k: string, v: ArrayWriter): MapWriter { this.key(k).raw(v.encode()); return this; }
  value(k: string, v: Value): MapWriter { this.key(k).value(v); return this; }
  /** `v` must be exactly one msgpack value. */
  raw(k: string, v: Uint8Array): MapWriter { this.key(k).raw(v); return this; }

  encode(): Uint8Array {
    const w = new Writer(this.body.length + 5);
    w.mapHeader(this.n);
    w.raw(this.body.toBytes());
    return w.toBytes();
  }
}

/** A msgpack array built element by element. */
export class ArrayWriter {
  readonly body: Writer = new Writer();
  private n: i32 = 0;

  get size(): i32 { return this.n; }

  private next(): Writer { this.n++; return this.body; }

  nil(): ArrayWriter { this.next().nil(); return this; }
  bool(v: bool): ArrayWriter { this.next().bool(v); return this; }
  int(v: i64): ArrayWriter { this.next().int(v); return this; }
  uint(v: u64): ArrayWriter { this.next().uint(v); return this; }
  float(v: f64): ArrayWriter { this.next().float(v); return this; }
  str(v: string): ArrayWriter { this.next().str(v); return this; }
  bin(v: Uint8Array): ArrayWriter { this.next().bin(v); return this; }
  map(v: MapWriter): ArrayWriter { this.next().raw(v.encode()); return this; }
  array(v: ArrayWriter): ArrayWriter { this.next().raw(v.encode()); return this; }
  value(v: Value): ArrayWriter { this.next().value(v); return this; }
  raw(v: Uint8Array): ArrayWriter { this.next().raw(v); return this; }

  encode(): Uint8Array {
    const w = new Writer(this.body.length + 5);
    w.arrayHeader(this.n);
    w.raw(this.body.toBytes());
    return w.toBytes();
  }
}
