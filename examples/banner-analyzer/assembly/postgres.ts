// PostgreSQL backend messages (protocol 3): an ErrorResponse ('E', int32
// length, fields "S…\0V…\0C…\0M…\0F…\0L…\0R…\0\0") such as the answer to a
// startup packet with an unsupported protocol version, or an
// AuthenticationRequest ('R') such as SASL "SCRAM-SHA-256".
import { Service } from "@wasmap/sdk-assemblyscript";
import { clean, service } from "./text";

function be32(b: Uint8Array, at: i32): i32 {
  return (<i32>b[at] << 24) | (<i32>b[at + 1] << 16) | (<i32>b[at + 2] << 8) | <i32>b[at + 3];
}

/** Field `code` of an ErrorResponse body, or "". */
function errorField(text: string, code: string, end: i32): string {
  let i = 5;
  while (i < end) {
    const z = text.indexOf("\0", i);
    if (z < 0 || z >= end) return "";
    if (text.charAt(i) == code) return text.substring(i + 1, z);
    i = z + 1;
  }
  return "";
}

export function matchPostgres(b: Uint8Array, text: string): Service | null {
  if (b.length < 9) return null;
  const len = be32(b, 1);
  if (len < 8 || len > 0x10000) return null;
  const end = min(b.length, 1 + len);
  if (b[0] == 0x45 /* E */) {
    const sev = errorField(text, "S", end);
    const sqlstate = errorField(text, "C", end);
    if (sev.length == 0 || sqlstate.length != 5) return null;
    const file = errorField(text, "F", end);
    const routine = errorField(text, "R", end);
    const msg = clean(errorField(text, "M", end), 200);
    const sure = file.endsWith(".c") || routine.length > 0;
    const s = service("postgresql", "PostgreSQL DB", "", sure ? 0.95 : 0.7, "postgresql", "postgresql");
    // "unsupported frontend protocol 9.9: server supports 3.0 to 3.0"
    const at = msg.indexOf("server supports ");
    s.extrainfo = at >= 0 ? "protocol " + msg.substring(at + 16) : msg;
    return s;
  }
  if (b[0] == 0x52 /* R */) {
    const kind = be32(b, 5);
    let auth = "";
    if (kind == 0) auth = "trust";
    else if (kind == 3) auth = "cleartext password";
    else if (kind == 5) auth = "md5";
    else if (kind == 10) auth = clean(text.substring(9, end), 100);
    else return null;
    const s = service("postgresql", "PostgreSQL DB", "", 0.9, "postgresql", "postgresql");
    s.extrainfo = "auth " + auth;
    return s;
  }
  return null;
}
