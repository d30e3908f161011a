// JSON (RFC 8259) into the SDK's msgpack `Value`, so a plugin reads an
// HTTP API's answer with the accessors it already uses for its input
// (`getString`, `getInt`, `getArray`, …). Integers that fit i64 become Int,
// other numbers Float; object keys keep their order. Bounded for hostile
// input: nesting depth and the number of values are capped, and a parse
// never traps: bad input gives null and `jsonError()` says why.
import { Value } from "./msgpack/value";
import { hexVal, isDigit } from "./text/ascii";

/** Nesting deeper than this is refused (the recursion is bounded by it). */
export const JSON_MAX_DEPTH: i32 = 64;
/** Values (scalars, arrays and objects) in one document. */
export const JSON_MAX_VALUES: i32 = 200000;

let lastError = "";

/** Why the last `parseJson` returned null ("" after a success). */
export function jsonError(): string { return lastError; }

class JsonParser {
  pos: i32 = 0;
  values: i32 = 0;
  error: string = "";

  constructor(readonly s: string, readonly maxDepth: i32, readonly maxValues: i32) {}

  fail(msg: string): Value | null {
    if (this.error.length == 0) this.error = msg + " at offset " + this.pos.toString();
    return null;
  }

  skipSpace(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  value(depth: i32): Value | null {
    if (++this.values > this.maxValues) return this.fail("more than " + this.maxValues.toString() + " values");
    this.skipSpace();
    if (this.pos >= this.s.length) return this.fail("unexpected end");
    const c = this.s.charCodeAt(this.pos);
    if (c == 0x7b) return this.object(depth + 1);
    if (c == 0x5b) return this.array(depth + 1);
    if (c == 0x22) {
      const str = this.string();
      return str === null ? null : Value.str(str);
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.word("true")) return Value.bool(true);
    if (this.word("false")) return Value.bool(false);
    if (this.word("null")) return Value.nil();
    return this.fail("unexpected character");
  }

  word(w: string): bool {
    if (this.s.substr(this.pos, w.length) != w) return false;
    this.pos += w.length;
    return true;
  }

  object(depth: i32): Value | null {
    if (depth > this.maxDepth) return this.fail("nested deeper than " + this.maxDepth.toString());
    this.pos++; // {
    const keys = new Array<string>(0);
    const vals = new Array<Value>(0);
    this.skipSpace();
    if (this.pos < this.s.length && this.s.charCodeAt(this.pos) == 0x7d) { this.pos++; return Value.map(keys, vals); }
    while (true) {
      this.skipSpace();
      if (this.pos >= this.s.length || this.s.charCodeAt(this.pos) != 0x22) return this.fail("expected a key");
      const k = this.string();
      if (k === null) return null;
      this.skipSpace();
      if (this.pos >= this.s.length || this.s.charCodeAt(this.pos) != 0x3a) return this.fail("expected ':'");
      this.pos++;
      const v = this.value(depth);
      if (v === null) return null;
      keys.push(k);
      vals.push(v);
      this.skipSpace();
      if (this.pos >= this.s.length) return this.fail("unexpected end");
      const c = this.s.charCodeAt(this.pos++);
      if (c == 0x7d) return Value.map(keys, vals);
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or '}'"); }
    }
  }

  array(depth: i32): Value | null {
    if (depth > this.maxDepth) return this.fail("nested deeper than " + this.maxDepth.toString());
    this.pos++; // [
    const items = new Array<Value>(0);
    this.skipSpace();
    if (this.pos < this.s.length && this.s.charCodeAt(this.pos) == 0x5d) { this.pos++; return Value.array(items); }
    while (true) {
      const v = this.value(depth);
      if (v === null) return null;
      items.push(v);
      this.skipSpace();
      if (this.pos >= this.s.length) return this.fail("unexpected end");
      const c = this.s.charCodeAt(this.pos++);
      if (c == 0x5d) return Value.array(items);
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or ']'"); }
    }
  }

  /** The string at `pos` (which is '"'), escapes resolved; null on error. */
  string(): string | null {
    const s = this.s;
    this.pos++;
    let out = "";
    let run = this.pos;
    while (true) {
      if (this.pos >= s.length) { this.fail("unterminated string"); return null; }
      const c = s.charCodeAt(this.pos);
      if (c == 0x22) { out += s.substring(run, this.pos); this.pos++; return out; }
      if (c < 0x20) { this.fail("control character in a string"); return null; }
      if (c != 0x5c) { this.pos++; continue; }
      out += s.substring(run, this.pos);
      if (this.pos + 1 >= s.length) { this.fail("unterminated escape"); return null; }
      const e = s.charCodeAt(this.pos + 1);
      this.pos += 2;
      if (e == 0x22 || e == 0x5c || e == 0x2f) out += String.fromCharCode(e);
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) {
        // \uXXXX: one UTF-16 unit; surrogate pairs come as two escapes and join as they are
        let u = 0;
        for (let i = 0; i < 4; i++) {
          const h = this.pos < s.length ? hexVal(s.charCodeAt(this.pos)) : -1;
          if (h < 0) { this.fail("bad \\u escape"); return null; }
          u = (u << 4) | h;
          this.pos++;
        }
        out += String.fromCharCode(u);
      } else { this.pos -= 2; this.fail("bad escape"); return null; }
      run = this.pos;
    }
  }

  number(): Value | null {
    const s = this.s;
    const start = this.pos;
    if (s.charCodeAt(this.pos) == 0x2d) this.pos++;
    const intStart = this.pos;
    while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
    const intDigits = this.pos - intStart;
    if (intDigits == 0) return this.fail("bad number");
    if (intDigits > 1 && s.charCodeAt(intStart) == 0x30) return this.fail("leading zero");
    let integer = true;
    if (this.pos < s.length && s.charCodeAt(this.pos) == 0x2e) {
      integer = false;
      this.pos++;
      const f = this.pos;
      while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
      if (this.pos == f) return this.fail("bad fraction");
    }
    if (this.pos < s.length && (s.charCodeAt(this.pos) | 0x20) == 0x65) {
      integer = false;
      this.pos++;
      if (this.pos < s.length && (s.charCodeAt(this.pos) == 0x2b || s.charCodeAt(this.pos) == 0x2d)) this.pos++;
      const e = this.pos;
      while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
      if (this.pos == e) return this.fail("bad exponent");
    }
    const text = s.substring(start, this.pos);
    // 18 digits always fit i64; longer integers keep their value as a float
    if (integer && intDigits <= 18) return Value.int(I64.parseInt(text, 10));
    return Value.float(F64.parseFloat(text));
  }
}

/**
 * One JSON document (surrounding whitespace allowed, nothing else after
 * it) as a `Value`; null when it is not valid JSON or breaks a cap.
 */
export function parseJson(text: string, maxDepth: i32 = JSON_MAX_DEPTH, maxValues: i32 = JSON_MAX_VALUES): Value | null {
  const p = new JsonParser(text, min(maxDepth, JSON_MAX_DEPTH), maxValues);
  let v = p.value(0);
  if (v !== null) {
    p.skipSpace();
    if (p.pos != text.length) v = p.fail("trailing characters");
  }
  lastError = v === null ? p.error : "";
  return v;
}

/** `parseJson` of UTF-8 bytes (invalid sequences become U+FFFD). */
export function parseJsonBytes(b: Uint8Array, maxDepth: i32 = JSON_MAX_DEPTH, maxValues: i32 = JSON_MAX_VALUES): Value | null {
  return parseJson(String.UTF8.decodeUnsafe(b.dataStart, <usize>b.length, false), maxDepth, maxValues);
}
