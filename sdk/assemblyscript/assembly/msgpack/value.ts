// A decoded msgpack value. One class with a kind tag (AssemblyScript has no
// union types); the accessors never trap: asking an int for a string gives
// the fallback, so hostile or unexpected input degrades instead of aborting.

export enum Kind { Nil, Bool, Int, Float, Str, Bin, Array, Map }

export class Value {
  kind: Kind = Kind.Nil;
  b: bool = false;
  i: i64 = 0;
  /** Set for a uint64 above i64's range: `i` then holds its bits. */
  unsigned: bool = false;
  f: f64 = 0;
  s: string = "";
  bytes: Uint8Array | null = null;
  items: Array<Value> | null = null;
  /** Map keys, in order, parallel to `items` (integer keys as decimal text). */
  keys: Array<string> | null = null;

  static nil(): Value { return new Value(); }
  static bool(v: bool): Value { const x = new Value(); x.kind = Kind.Bool; x.b = v; return x; }
  static int(v: i64): Value { const x = new Value(); x.kind = Kind.Int; x.i = v; return x; }
  static float(v: f64): Value { const x = new Value(); x.kind = Kind.Float; x.f = v; return x; }
  static str(v: string): Value { const x = new Value(); x.kind = Kind.Str; x.s = v; return x; }
  static bin(v: Uint8Array): Value { const x = new Value(); x.kind = Kind.Bin; x.bytes = v; return x; }
  static array(v: Array<Value>): Value { const x = new Value(); x.kind = Kind.Array; x.items = v; return x; }
  static map(keys: Array<string>, values: Array<Value>): Value {
    const x = new Value(); x.kind = Kind.Map; x.keys = keys; x.items = values; return x;
  }

  get isNil(): bool { return this.kind == Kind.Nil; }
  get isMap(): bool { return this.kind == Kind.Map; }
  get isArray(): bool { return this.kind == Kind.Array; }
  get isString(): bool { return this.kind == Kind.Str; }
  get isBin(): bool { return this.kind == Kind.Bin; }
  get isNumber(): bool { return this.kind == Kind.Int || this.kind == Kind.Float; }

  /** Elements of an array, entries of a map, else 0. */
  get length(): i32 {
    const it = this.items;
    return it === null ? 0 : it.length;
  }

  asBool(fallback: bool = false): bool { return this.kind == Kind.Bool ? this.b : fallback; }

  /** An int, or a float with no fraction inside i64's range. */
  asInt(fallback: i64 = 0): i64 {
    if (this.kind == Kind.Int) return this.unsigned ? fallback : this.i;
    if (this.kind == Kind.Float && Math.floor(this.f) == this.f && Math.abs(this.f) < 9.2e18) return <i64>this.f;
    return fallback;
  }

  asFloat(fallback: f64 = 0): f64 {
    if (this.kind == Kind.Float) return this.f;
    if (this.kind == Kind.Int) return this.unsigned ? <f64>(<u64>this.i) : <f64>this.i;
    return fallback;
  }

  asString(fallback: string = ""): string { return this.kind == Kind.Str ? this.s : fallback; }

  /** `bin` as is; `str` as its UTF-8 bytes (some producers send text). */
  asBytes(): Uint8Array | null {
    if (this.kind == Kind.Bin) return this.bytes;
    if (this.kind == Kind.Str) return Uint8Array.wrap(String.UTF8.encode(this.s));
    return null;
  }

  /** Elements of an array (empty for anything else). */
  asArray(): Array<Value> {
    const it = this.items;
    return this.kind == Kind.Array && it !== null ? it : new Array<Value>(0);
  }

  /** Map entry by key, or null (also for a non-map). Linear: maps here are small. */
  get(key: string): Value | null {
    if (this.kind != Kind.Map) return null;
    const ks = this.keys!;
    const vs = this.items!;
    for (let i = 0; i < ks.length; i++) if (ks[i] == key) return vs[i];
    return null;
  }

  has(key: string): bool { return this.get(key) !== null; }

  /** Map keys (empty for a non-map). */
  mapKeys(): Array<string> {
    const ks = this.keys;
    return this.kind == Kind.Map && ks !== null ? ks : new Array<string>(0);
  }

  // Convenience for nested maps: `v.getString("target.ip")` is not supported on
  // purpose (keys may hold dots); chain `get` instead.
  getString(key: string, fallback: string = ""): string {
    const v = this.get(key);
    return v === null ? fallback : v.asString(fallback);
  }

  getInt(key: string, fallback: i64 = 0): i64 {
    const v = this.get(key);
    return v === null ? fallback : v.asInt(fallback);
  }

  getFloat(key: string, fallback: f64 = 0): f64 {
    const v = this.get(key);
    return v === null ? fallback : v.asFloat(fallback);
  }

  getBool(key: string, fallback: bool = false): bool {
    const v = this.get(key);
    return v === null ? fallback : v.asBool(fallback);
  }

  getArray(key: string): Array<Value> {
    const v = this.get(key);
    return v === null ? new Array<Value>(0) : v.asArray();
  }
}
