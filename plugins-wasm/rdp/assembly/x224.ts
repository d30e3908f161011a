// The first RDP exchange (MS-RDPBCGR 2.2.1.1, 2.2.1.2): a TPKT (RFC 1006)
// carrying an X.224 Connection Request with RDP_NEG_REQ, and the server's
// Connection Confirm with RDP_NEG_RSP or RDP_NEG_FAILURE. No other PDU is sent.

export const PROTOCOL_RDP: u32 = 0x0;
export const PROTOCOL_SSL: u32 = 0x1;
export const PROTOCOL_HYBRID: u32 = 0x2;
export const PROTOCOL_RDSTLS: u32 = 0x4;
export const PROTOCOL_HYBRID_EX: u32 = 0x8;

/** TPKT header (4) + Connection Confirm fixed part (7) + RDP_NEG_RSP/FAILURE (8). */
export const MAX_CONFIRM: i32 = 64;

/** TPKT + X.224 Connection Request + RDP_NEG_REQ asking for `protocols` (no cookie, no flags). */
export function connectionRequest(protocols: u32): Uint8Array {
  const b = new Uint8Array(19);
  b[0] = 3; b[3] = 19; // TPKT version 3, length 19
  b[4] = 14; // X.224 length indicator: the 14 bytes after it
  b[5] = 0xe0; // CR, credit 0; DST-REF, SRC-REF, class 0 stay zero
  b[11] = 0x01; b[13] = 8; // RDP_NEG_REQ, flags 0, length 8
  b[15] = <u8>(protocols & 0xff); b[16] = <u8>((protocols >> 8) & 0xff);
  b[17] = <u8>((protocols >> 16) & 0xff); b[18] = <u8>(protocols >> 24);
  return b;
}

/** The TPKT length from its 4-byte header, or -1 when it is not TPKT version 3 with room for a Connection Confirm. */
export function tpktLength(h: Uint8Array): i32 {
  if (h.length < 4 || h[0] != 3) return -1;
  const n = (<i32>h[2] << 8) | h[3];
  return n < 11 || n > MAX_CONFIRM ? -1 : n;
}

/** What a Connection Confirm said. */
export class Confirm {
  error: string = "";
  /** RDP_NEG_RSP or RDP_NEG_FAILURE present (a server from before RDP 5.2 sends neither). */
  negotiated: bool = false;
  failed: bool = false;
  selected: u32 = 0;
  failureCode: u32 = 0;
  flags: u8 = 0;
}

function le32(b: Uint8Array, at: i32): u32 {
  return <u32>b[at] | (<u32>b[at + 1] << 8) | (<u32>b[at + 2] << 16) | (<u32>b[at + 3] << 24);
}

/** Parses a whole TPKT (`tpktLength` bytes) that should hold an X.224 Connection Confirm. */
export function parseConfirm(p: Uint8Array): Confirm {
  const c = new Confirm();
  const li = <i32>p[4];
  if ((p[5] & 0xf0) != 0xd0) { c.error = "X.224 TPDU 0x" + p[5].toString(16) + " instead of a Connection Confirm"; return c; }
  if (li < 6 || 5 + li > p.length) { c.error = "X.224 length indicator " + li.toString() + " does not fit the TPKT"; return c; }
  if (li < 14) return c; // no negotiation data: standard RDP security
  const at = 11;
  const type = p[at];
  const len = <i32>p[at + 2] | (<i32>p[at + 3] << 8);
  if (len != 8 || (type != 0x02 && type != 0x03)) {
    c.error = "negotiation structure type " + type.toString() + " length " + len.toString();
    return c;
  }
  c.negotiated = true;
  c.flags = p[at + 1];
  if (type == 0x03) { c.failed = true; c.failureCode = le32(p, at + 4); } else c.selected = le32(p, at + 4);
  return c;
}

/** MS-RDPBCGR 2.2.1.2.2 failureCode. */
export function failureName(code: u32): string {
  if (code == 1) return "SSL_REQUIRED_BY_SERVER";
  if (code == 2) return "SSL_NOT_ALLOWED_BY_SERVER";
  if (code == 3) return "SSL_CERT_NOT_ON_SERVER";
  if (code == 4) return "INCONSISTENT_FLAGS";
  if (code == 5) return "HYBRID_REQUIRED_BY_SERVER";
  if (code == 6) return "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER";
  return "UNKNOWN_" + code.toString();
}

/** MS-RDPBCGR 2.2.1.2.1 flags of RDP_NEG_RSP, by name. */
export function responseFlags(f: u8): Array<string> {
  const out = new Array<string>(0);
  if (f & 0x01) out.push("EXTENDED_CLIENT_DATA_SUPPORTED");
  if (f & 0x02) out.push("DYNVC_GFX_PROTOCOL_SUPPORTED");
  if (f & 0x08) out.push("RESTRICTED_ADMIN_MODE_SUPPORTED");
  if (f & 0x10) out.push("REDIRECTED_AUTHENTICATION_MODE_SUPPORTED");
  return out;
}
