// The SDK's msgpack reader and writer as plain exports, for
// sdk/assemblyscript/test/msgpack.test.ts (called through @assemblyscript/loader).
import { ArrayWriter, DecodeLimits, MapWriter, Writer, decode, decodeError } from "@wasmap/sdk-assemblyscript";

export const Uint8Array_ID = idof<Uint8Array>();

/** `doc` decoded and written again by Writer.value; null when it does not decode. */
export function echo(doc: Uint8Array): Uint8Array | null {
  const v = decode(doc);
  return v === null ? null : new Writer().value(v).toBytes();
}

/** "ok", or why `doc` does not decode under these limits. */
export function check(doc: Uint8Array, maxDepth: i32, maxItems: i32): string {
  return decode(doc, new DecodeLimits(maxDepth, maxItems)) === null ? decodeError() : "ok";
}

/** What decoding each proper prefix of `doc` gives: "ok" or the reason it failed. */
export function prefixes(doc: Uint8Array): Array<string> {
  const out = new Array<string>(0);
  for (let n = 0; n < doc.length; n++) out.push(decode(doc.subarray(0, n)) === null ? decodeError() : "ok");
  return out;
}

export function encodeInt(v: i64): Uint8Array { return new Writer().int(v).toBytes(); }
export function encodeUint(v: u64): Uint8Array { return new Writer().uint(v).toBytes(); }
export function encodeFloat(v: f64): Uint8Array { return new Writer().float(v).toBytes(); }
export function encodeStr(s: string): Uint8Array { return new Writer().str(s).toBytes(); }
export function encodeBin(b: Uint8Array): Uint8Array { return new Writer().bin(b).toBytes(); }
export function encodeHeaders(n: i32): Uint8Array { return new Writer().arrayHeader(n).mapHeader(n).toBytes(); }

/** A document built with MapWriter and ArrayWriter, for the reader on the other side. */
export function built(): Uint8Array {
  const inner = new ArrayWriter().int(1).str("two").nil().bool(true).float(0.25).bin(new Uint8Array(2)).uint(18446744073709551615);
  return new MapWriter().str("s", "ü ✓").int("neg", -5).array("list", inner)
    .map("nested", new MapWriter().strArray("names", ["a", "b"]).map("empty", new MapWriter()))
    .array("none", new ArrayWriter()).encode();
}
