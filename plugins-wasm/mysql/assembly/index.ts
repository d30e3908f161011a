// mysql: a wasmap scanner for MySQL and MariaDB (port 3306). The server
// speaks first: this reads its first packet (the protocol-10 Initial
// Handshake, or an ERR packet such as "Host … is not allowed to connect"),
// decodes it, and closes. It never answers the handshake, so it never logs
// in (the server logs an aborted connection).
import {
  Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Service, Socket, errorName, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import {
  CLIENT_SSL, Handshake, MAX_PACKET_BYTES, capabilityNames, collationName, mariadbCapabilityNames, parseHandshake, statusNames,
} from "./mysql";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function toData(h: Handshake): MapWriter {
  const m = new MapWriter();
  if (h.isError) {
    const e = new MapWriter();
    if (h.errorCode >= 0) e.int("code", h.errorCode);
    if (h.sqlState.length > 0) e.str("sql_state", h.sqlState);
    e.str("message", h.errorMessage);
    return m.map("error", e);
  }
  if (h.protocolVersion >= 0) m.int("protocol_version", h.protocolVersion);
  if (h.hasServerVersion) m.str("server_version", h.serverVersion);
  if (h.hasConnectionId) m.uint("connection_id", h.connectionId);
  if (h.hasCapabilities) {
    m.strArray("capability_flags", capabilityNames(h.capabilities));
    m.bool("ssl", (h.capabilities & CLIENT_SSL) != 0);
  }
  if (h.hasMariadbCapabilities) m.strArray("mariadb_capability_flags", mariadbCapabilityNames(h.mariadbCapabilities));
  if (h.characterSet >= 0) {
    m.int("character_set", h.characterSet);
    m.str("character_set_name", collationName(h.characterSet));
  }
  if (h.statusFlags >= 0) m.strArray("status_flags", statusNames(h.statusFlags));
  m.str("auth_plugin_name", h.authPluginName);
  return m;
}

/** MariaDB's "5.5.5-10.11.19-MariaDB-0+deb12u1" (the 5.5.5- prefix is for old replicas) or MySQL's "8.0.36-0ubuntu0.22.04.1". */
function serviceFor(h: Handshake): Service | null {
  const s = new Service("mysql");
  if (h.isError) {
    // e.g. "Host '10.1.2.3' is not allowed to connect to this MariaDB server"
    if (h.errorMessage.includes("MariaDB")) s.product = "MariaDB";
    else if (h.errorMessage.includes("MySQL")) s.product = "MySQL";
    s.confidence = 0.9;
    return s;
  }
  if (!h.hasServerVersion) return null;
  let v = h.serverVersion;
  const at = v.indexOf("-MariaDB");
  if (at >= 0) {
    s.product = "MariaDB";
    let ver = v.substring(0, at);
    if (ver.startsWith("5.5.5-")) ver = ver.substring(6);
    s.version = ver;
    if (v.length > at + 9 && v.charAt(at + 8) == "-") s.extrainfo = v.substring(at + 9);
    s.addCpe("mariadb", "mariadb");
  } else {
    s.product = "MySQL";
    const dash = v.indexOf("-");
    s.version = dash >= 0 ? v.substring(0, dash) : v;
    if (dash >= 0) s.extrainfo = v.substring(dash + 1);
    s.addCpe("oracle", "mysql");
  }
  if (s.extrainfo.includes("deb")) s.cpe.push("cpe:/o:debian:debian_linux");
  else if (s.extrainfo.includes("ubuntu")) s.cpe.push("cpe:/o:canonical:ubuntu_linux");
  s.confidence = 1.0;
  return s;
}

/** The table's line (A8): who answers, how it wants clients to log in, whether TLS is offered. */
function summary(h: Handshake, svc: Service | null): string {
  if (h.isError) return "refused: " + (h.errorCode >= 0 ? "error " + h.errorCode.toString() + " " : "") + h.errorMessage;
  let line = "";
  if (svc !== null && svc.product.length > 0) line = svc.product + (svc.version.length > 0 ? " " + svc.version : "");
  else line = h.serverVersion;
  if (h.authPluginName.length > 0) line += ", auth plugin " + h.authPluginName;
  if (h.hasCapabilities) line += (h.capabilities & CLIENT_SSL) != 0 ? ", SSL supported" : ", no SSL";
  return line;
}

function run(input: Input): Output {
  const target = input.target!;
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const sock = Socket.connect(target.ip, target.port, timeout);
  if (!sock.ok) return Output.ioFail(sock.error, true);

  // packet header: 3-byte little-endian payload length, 1-byte sequence id (0)
  const head = sock.readExactly(4, timeout);
  if (head === null) {
    const err = sock.error;
    sock.close();
    return err == 0 ? Output.fail(STATUS_PROTOCOL_ERROR, "closed before a packet header") : Output.ioFail(err);
  }
  const len = <i32>head[0] | (<i32>head[1] << 8) | (<i32>head[2] << 16);
  if (len == 0 || len > MAX_PACKET_BYTES || head[3] != 0) {
    sock.close();
    return Output.fail(STATUS_PROTOCOL_ERROR, "not a MySQL greeting (length " + len.toString() + ", sequence " + head[3].toString() + ")");
  }
  let payload = sock.readExactly(len, timeout);
  let status = "success";
  let error = "";
  if (payload === null) {
    // a cut packet: decode what came, report it as partial
    const err = sock.error;
    payload = sock.readRemaining(len, 1);
    status = err == 0 ? STATUS_PROTOCOL_ERROR : statusForError(err);
    error = err == 0 ? "closed mid-packet" : errorName(err);
  }
  sock.close();
  const h = parseHandshake(payload);
  if (status == "success" && h.truncated) { status = STATUS_PROTOCOL_ERROR; error = "handshake packet shorter than its fields"; }
  if (h.unknownProtocol) { status = STATUS_PROTOCOL_ERROR; error = "protocol version " + h.protocolVersion.toString() + " is not 10"; }
  const out = new Output();
  out.status = status;
  out.error = error;
  out.setData(toData(h));
  if (!h.unknownProtocol) out.service = serviceFor(h);
  if (status == "success") out.summary = summary(h, out.service);
  return out;
}

register(run);
