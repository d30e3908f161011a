// The SDK's BER (sdk/assemblyscript/assembly/ber.ts) as plain exports, for
// sdk/assemblyscript/test/ber.test.ts (called through @assemblyscript/loader).
import {
  BerReader, berFrameLength, berInt, berLength, berOid, berSeq, berString, berTag, berTlv, berUint,
  BER_APPLICATION, BER_CONTEXT,
} from "@wasmap/sdk-assemblyscript";

export const Uint8Array_ID = idof<Uint8Array>();

export function frameLength(b: Uint8Array, max: i32): i32 { return berFrameLength(b, max); }
export function encodeLength(n: i32): Uint8Array { return berLength(n); }
export function encodeInt(v: i64): Uint8Array { return berInt(v); }
export function encodeUint(v: u64): Uint8Array { return berUint(v); }
export function encodeOid(s: string): Uint8Array | null { return berOid(s); }

/** The LDAP anonymous bind ldapsearch -x sends, built from parts. */
export function ldapBind(): Uint8Array {
  return berSeq([berInt(1), berSeq([berInt(3), berString(""), berTlv(berTag(BER_CONTEXT, false, 0), new Uint8Array(0))], berTag(BER_APPLICATION, true, 0))]);
}

/** "int:<v>" or "error:<why>" for one INTEGER TLV. */
export function decodeInt(b: Uint8Array): string {
  const r = new BerReader(b);
  const v = r.int("value");
  return r.ok ? "int:" + v.toString() : "error:" + r.error;
}

/** "uint:<v>" or "error:<why>" for one unsigned INTEGER TLV. */
export function decodeUint(b: Uint8Array): string {
  const r = new BerReader(b);
  const v = r.uint("value");
  return r.ok ? "uint:" + v.toString() : "error:" + r.error;
}

/** "oid:<dotted>" or "error:<why>" for one OID TLV. */
export function decodeOid(b: Uint8Array): string {
  const r = new BerReader(b);
  const s = r.oid("value");
  return r.ok ? "oid:" + s : "error:" + r.error;
}

function walkInto(r: BerReader, depth: i32): string {
  let s = "";
  while (!r.done) {
    const t = r.next();
    if (t === null) break;
    if (s.length > 0) s += " ";
    s += t.tag.toString(16);
    if (t.constructed && depth < 64) {
      const c = t.children();
      s += "[" + walkInto(c, depth + 1) + "]";
      if (!c.ok) r.fail(c.error);
    } else s += ":" + t.length.toString();
  }
  return s;
}

/** Every TLV, constructed ones opened: "30[2:1 4:2]", or "error:<why>" when any length does not fit. */
export function walk(b: Uint8Array): string {
  const r = new BerReader(b);
  const s = walkInto(r, 0);
  return r.ok ? s : "error:" + r.error;
}
