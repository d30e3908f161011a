// MySQL/MariaDB client/server protocol: the server's first packet, either the
// Initial Handshake (protocol 10) or an ERR packet. Spec:
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_v10.html
// https://mariadb.com/kb/en/connection/#initial-handshake-packet
// Every field is bounds-checked: a short packet yields the fields before the
// cut and `truncated`, never a read past the end.
import { latin1 } from "@wasmap/sdk-assemblyscript";

/** Largest first packet read (a real greeting is ~100 bytes; the length field allows 16 MiB). */
export const MAX_PACKET_BYTES: i32 = 4096;
/** Longest NUL-terminated string kept (server version, plugin name). */
const MAX_STRING: i32 = 256;

const CAPABILITY_NAMES: string[] = [
  "CLIENT_LONG_PASSWORD", "CLIENT_FOUND_ROWS", "CLIENT_LONG_FLAG", "CLIENT_CONNECT_WITH_DB",
  "CLIENT_NO_SCHEMA", "CLIENT_COMPRESS", "CLIENT_ODBC", "CLIENT_LOCAL_FILES",
  "CLIENT_IGNORE_SPACE", "CLIENT_PROTOCOL_41", "CLIENT_INTERACTIVE", "CLIENT_SSL",
  "CLIENT_IGNORE_SIGPIPE", "CLIENT_TRANSACTIONS", "CLIENT_RESERVED", "CLIENT_SECURE_CONNECTION",
  "CLIENT_MULTI_STATEMENTS", "CLIENT_MULTI_RESULTS", "CLIENT_PS_MULTI_RESULTS", "CLIENT_PLUGIN_AUTH",
  "CLIENT_CONNECT_ATTRS", "CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA", "CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS", "CLIENT_SESSION_TRACK",
  "CLIENT_DEPRECATE_EOF", "CLIENT_OPTIONAL_RESULTSET_METADATA", "CLIENT_ZSTD_COMPRESSION_ALGORITHM", "CLIENT_QUERY_ATTRIBUTES",
  "MULTI_FACTOR_AUTHENTICATION", "CLIENT_CAPABILITY_EXTENSION", "CLIENT_SSL_VERIFY_SERVER_CERT", "CLIENT_REMEMBER_OPTIONS",
];
/** MariaDB's extended capabilities (bits 32+, in the last 4 reserved bytes; MariaDB's include/mysql_com.h). */
const MARIADB_CAPABILITY_NAMES: string[] = [
  "MARIADB_CLIENT_PROGRESS", "MARIADB_CLIENT_RESERVED_1", "MARIADB_CLIENT_STMT_BULK_OPERATIONS",
  "MARIADB_CLIENT_EXTENDED_METADATA", "MARIADB_CLIENT_CACHE_METADATA", "MARIADB_CLIENT_BULK_UNIT_RESULTS",
];
const STATUS_NAMES: string[] = [
  "SERVER_STATUS_IN_TRANS", "SERVER_STATUS_AUTOCOMMIT", "SERVER_STATUS_RESERVED_4", "SERVER_MORE_RESULTS_EXISTS",
  "SERVER_QUERY_NO_GOOD_INDEX_USED", "SERVER_QUERY_NO_INDEX_USED", "SERVER_STATUS_CURSOR_EXISTS", "SERVER_STATUS_LAST_ROW_SENT",
  "SERVER_STATUS_DB_DROPPED", "SERVER_STATUS_NO_BACKSLASH_ESCAPES", "SERVER_STATUS_METADATA_CHANGED", "SERVER_QUERY_WAS_SLOW",
  "SERVER_PS_OUT_PARAMS", "SERVER_STATUS_IN_TRANS_READONLY", "SERVER_SESSION_STATE_CHANGED", "SERVER_STATUS_ANSI_QUOTES",
];

export const CLIENT_MYSQL: u32 = 1; // bit 0; MariaDB servers clear it and then use the extended capabilities
export const CLIENT_SSL: u32 = 1 << 11;
const CLIENT_SECURE_CONNECTION: u32 = 1 << 15;
const CLIENT_PLUGIN_AUTH: u32 = 1 << 19;

/** What the first packet said; `has*` tell which fields arrived before a cut. */
export class Handshake {
  protocolVersion: i32 = -1;
  serverVersion: string = "";
  hasServerVersion: bool = false;
  connectionId: u32 = 0;
  hasConnectionId: bool = false;
  capabilities: u32 = 0;
  hasCapabilities: bool = false;
  hasUpperCapabilities: bool = false;
  mariadbCapabilities: u32 = 0;
  hasMariadbCapabilities: bool = false;
  characterSet: i32 = -1;
  statusFlags: i32 = -1;
  authPluginName: string = "";
  /** An ERR packet instead of a handshake. */
  isError: bool = false;
  errorCode: i32 = -1;
  sqlState: string = "";
  errorMessage: string = "";
  /** The packet ended before a field it announced. */
  truncated: bool = false;
  /** Not a protocol-10 handshake nor an ERR packet. */
  unknownProtocol: bool = false;
}

class Reader {
  pos: i32 = 0;
  constructor(readonly b: Uint8Array) {}
  left(): i32 { return this.b.length - this.pos; }
  u8(): i32 { return this.b[this.pos++]; }
  u16(): i32 { const v = <i32>this.b[this.pos] | (<i32>this.b[this.pos + 1] << 8); this.pos += 2; return v; }
  u32(): u32 {
    const v = <u32>this.b[this.pos] | (<u32>this.b[this.pos + 1] << 8) | (<u32>this.b[this.pos + 2] << 16) | (<u32>this.b[this.pos + 3] << 24);
    this.pos += 4;
    return v;
  }
  /** A NUL-terminated string; null when no NUL comes before the end (or within MAX_STRING). */
  cstr(): string | null {
    let end = this.pos;
    while (end < this.b.length && this.b[end] != 0 && end - this.pos < MAX_STRING) end++;
    if (end >= this.b.length || this.b[end] != 0) return null;
    const s = latin1(this.b, this.pos, end);
    this.pos = end + 1;
    return s;
  }
  /** The rest, up to MAX_STRING bytes, without a trailing NUL. */
  rest(): string {
    let end = this.b.length;
    if (end > this.pos && this.b[end - 1] == 0) end--;
    if (end - this.pos > MAX_STRING) end = this.pos + MAX_STRING;
    const s = latin1(this.b, this.pos, end);
    this.pos = this.b.length;
    return s;
  }
}

/** Parses the payload (without the 4-byte header) of the server's first packet. */
export function parseHandshake(p: Uint8Array): Handshake {
  const h = new Handshake();
  const r = new Reader(p);
  if (r.left() < 1) { h.truncated = true; return h; }
  const first = r.u8();
  if (first == 0xff) return parseError(h, r);
  h.protocolVersion = first;
  if (first != 10) { h.unknownProtocol = true; return h; }
  const v = r.cstr();
  if (v === null) { h.truncated = true; return h; }
  h.serverVersion = v;
  h.hasServerVersion = true;
  if (r.left() < 4) { h.truncated = true; return h; }
  h.connectionId = r.u32();
  h.hasConnectionId = true;
  if (r.left() < 8 + 1 + 2) { h.truncated = true; return h; } // auth-plugin-data-part-1, filler, capabilities (low)
  r.pos += 9;
  h.capabilities = <u32>r.u16();
  h.hasCapabilities = true;
  if (r.left() == 0) return h; // pre-4.1 servers stop here
  if (r.left() < 1 + 2 + 2 + 1 + 10) { h.truncated = true; return h; }
  h.characterSet = r.u8();
  h.statusFlags = r.u16();
  h.capabilities |= (<u32>r.u16()) << 16;
  h.hasUpperCapabilities = true;
  const authLen = r.u8();
  r.pos += 6;
  const ext = r.u32();
  if ((h.capabilities & CLIENT_MYSQL) == 0) {
    h.mariadbCapabilities = ext;
    h.hasMariadbCapabilities = true;
  }
  if ((h.capabilities & CLIENT_SECURE_CONNECTION) != 0) {
    const part2 = max(13, authLen - 8);
    if (r.left() < part2) { h.truncated = true; return h; }
    r.pos += part2;
  }
  if ((h.capabilities & CLIENT_PLUGIN_AUTH) != 0) {
    if (r.left() == 0) { h.truncated = true; return h; }
    // the name is NUL-terminated, but some servers (MySQL 5.5.7-5.5.9) end the packet instead
    const name = r.cstr();
    h.authPluginName = name !== null ? name : r.rest();
  }
  return h;
}

/** ERR packet: 0xff, error code, ['#' + 5-byte SQL state], message (to the end). */
function parseError(h: Handshake, r: Reader): Handshake {
  h.isError = true;
  if (r.left() < 2) { h.truncated = true; return h; }
  h.errorCode = r.u16();
  if (r.left() >= 6 && r.b[r.pos] == 0x23) {
    h.sqlState = latin1(r.b, r.pos + 1, r.pos + 6);
    r.pos += 6;
  }
  h.errorMessage = r.rest();
  return h;
}

/** Names of the bits set in `flags`, from `names` (bit i = names[i]); unnamed bits as "BIT_<i>". */
export function flagNames(flags: u32, names: string[], bits: i32): string[] {
  const out: string[] = [];
  for (let i = 0; i < bits; i++) {
    if ((flags & (<u32>1 << <u32>i)) == 0) continue;
    out.push(i < names.length ? names[i] : "BIT_" + i.toString());
  }
  return out;
}

export function capabilityNames(flags: u32): string[] { return flagNames(flags, CAPABILITY_NAMES, 32); }
export function mariadbCapabilityNames(flags: u32): string[] {
  const out = flagNames(flags, MARIADB_CAPABILITY_NAMES, 32);
  // "BIT_i" of the extended word is capability bit 32+i
  for (let i = 0; i < out.length; i++) if (out[i].startsWith("BIT_")) out[i] = "BIT_" + (I32.parseInt(out[i].substring(4)) + 32).toString();
  return out;
}
export function statusNames(flags: i32): string[] { return flagNames(<u32>flags, STATUS_NAMES, 16); }

/** Collation names of the common server default ids (information_schema.COLLATIONS). */
export function collationName(id: i32): string {
  switch (id) {
    case 8: return "latin1_swedish_ci";
    case 28: return "gbk_chinese_ci";
    case 33: return "utf8mb3_general_ci";
    case 45: return "utf8mb4_general_ci";
    case 46: return "utf8mb4_bin";
    case 47: return "latin1_bin";
    case 63: return "binary";
    case 83: return "utf8mb3_bin";
    case 224: return "utf8mb4_unicode_ci";
    case 255: return "utf8mb4_0900_ai_ci";
    default: return "";
  }
}
