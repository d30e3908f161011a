// postgresql: a wasmap scanner for PostgreSQL (port 5432). Two connections:
//   1. SSLRequest: does the server take TLS ('S'/'N')? If so, the handshake,
//      for the TLS version and cipher; then close.
//   2. A plain StartupMessage (protocol 3.0, user/database `postgres` by
//      default) and the answer: AuthenticationOk (no password needed!), the
//      authentication method requested, or an ErrorResponse. It never sends
//      a password; after AuthenticationOk it reads the ParameterStatus
//      messages (server_version …) up to ReadyForQuery and sends Terminate.
import {
  Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Service, Socket, TlsInfo, errorName, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import {
  MAX_STARTUP_MESSAGES, Message, authMethodName, parseAuth, parseErrorFields, parseParameter, readMessage, sslRequest,
  startupMessage, terminate,
} from "./pg";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

class Session {
  /** -1 unknown, 0 no, 1 yes */
  ssl: i32 = -1;
  tls: TlsInfo | null = null;
  tlsError: string = "";
  authRequired: i32 = -1;
  authMethod: string = "";
  mechanisms: string[] = [];
  error: MapWriter | null = null;
  /** The ErrorResponse's `M` field, for the summary. */
  errorMessage: string = "";
  paramNames: string[] = [];
  paramValues: string[] = [];
  /** A backend message was understood: this is PostgreSQL. */
  spoke: bool = false;
  status: string = "success";
  statusError: string = "";
}

let timeout: i32 = 3000;

function failWith(s: Session, status: string, error: string): void {
  if (s.status != "success") return;
  s.status = status;
  s.statusError = error;
}

function failMessage(s: Session, m: Message): void {
  if (m.malformed) failWith(s, STATUS_PROTOCOL_ERROR, "malformed backend message");
  else if (m.error == 0) failWith(s, STATUS_PROTOCOL_ERROR, "connection closed mid-startup");
  else failWith(s, statusForError(m.error), errorName(m.error));
}

/** Connection 1: SSLRequest, and the TLS handshake when the server says 'S'. */
function probeSsl(s: Session, ip: string, port: i32, sni: string): bool {
  const sock = Socket.connect(ip, port, timeout);
  if (!sock.ok) { failWith(s, statusForError(sock.error, true), errorName(sock.error)); return false; }
  if (sock.send(sslRequest()) < 0) { failWith(s, statusForError(sock.error), errorName(sock.error)); sock.close(); return false; }
  const a = sock.readExactly(1, timeout);
  if (a === null) {
    if (sock.error == 0) failWith(s, STATUS_PROTOCOL_ERROR, "closed before answering SSLRequest");
    else failWith(s, statusForError(sock.error), errorName(sock.error));
    sock.close();
    return false;
  }
  if (a[0] == 0x53) {
    s.ssl = 1;
    s.spoke = true;
    if (sock.tlsUpgrade(sni, timeout) < 0) s.tlsError = errorName(sock.error);
    else s.tls = sock.tlsInfo();
  } else if (a[0] == 0x4e) {
    s.ssl = 0;
    s.spoke = true;
  } else if (a[0] == 0x45) {
    // servers before 7.0 answer an ErrorResponse: no SSL; the startup below still tells more
    s.ssl = 0;
  } else {
    failWith(s, STATUS_PROTOCOL_ERROR, "SSLRequest answered with byte " + a[0].toString());
    sock.close();
    return false;
  }
  sock.close();
  return true;
}

/** Connection 2: StartupMessage and the server's answer. */
function probeStartup(s: Session, ip: string, port: i32, user: string, database: string): void {
  const sock = Socket.connect(ip, port, timeout);
  if (!sock.ok) { failWith(s, statusForError(sock.error, true), errorName(sock.error)); return; }
  if (sock.send(startupMessage(user, database)) < 0) { failWith(s, statusForError(sock.error), errorName(sock.error)); sock.close(); return; }
  const m = readMessage(sock, timeout);
  if (!m.ok) { failMessage(s, m); sock.close(); return; }
  if (m.type == 0x45) { // 'E'
    s.spoke = true;
    s.error = parseErrorFields(m.body);
    s.errorMessage = errorMessage(m.body);
  } else if (m.type == 0x52) { // 'R'
    const a = parseAuth(m.body);
    if (a.code < 0) { failWith(s, STATUS_PROTOCOL_ERROR, "short Authentication message"); sock.close(); return; }
    s.spoke = true;
    s.authRequired = a.code == 0 ? 0 : 1;
    s.authMethod = authMethodName(a);
    s.mechanisms = a.mechanisms;
    if (a.code == 0) readParameters(s, sock);
  } else {
    failWith(s, STATUS_PROTOCOL_ERROR, "unexpected message type " + m.type.toString());
  }
  sock.close();
}

/** After AuthenticationOk: ParameterStatus ('S') and BackendKeyData ('K') until ReadyForQuery ('Z'). */
function readParameters(s: Session, sock: Socket): void {
  for (let i = 0; i < MAX_STARTUP_MESSAGES; i++) {
    const m = readMessage(sock, timeout);
    if (!m.ok) { failMessage(s, m); return; }
    if (m.type == 0x53) {
      const p = parseParameter(m.body);
      if (p !== null && !s.paramNames.includes(p[0])) { s.paramNames.push(p[0]); s.paramValues.push(p[1]); }
    } else if (m.type == 0x45) {
      s.error = parseErrorFields(m.body);
      s.errorMessage = errorMessage(m.body);
      return;
    } else if (m.type == 0x5a) {
      sock.send(terminate());
      return;
    }
  }
}

/** The `M` (message) field of an ErrorResponse body, "" if none. */
function errorMessage(body: Uint8Array): string {
  let i = 0;
  while (i < body.length && body[i] != 0) {
    let end = i + 1;
    while (end < body.length && body[end] != 0) end++;
    if (end >= body.length) return "";
    if (body[i] == 0x4d) return String.UTF8.decodeUnsafe(body.dataStart + <usize>(i + 1), <usize>(end - i - 1), false);
    i = end + 1;
  }
  return "";
}

/** The table's line (A8): TLS, then whether the user needs a password (and how it is sent). */
function summary(s: Session, user: string): string {
  const parts = new Array<string>(0);
  const t = s.tls;
  if (s.ssl == 1) parts.push("SSL supported" + (t !== null ? " (" + t.version + ")" : ""));
  else if (s.ssl == 0) parts.push("no SSL");
  if (s.authRequired == 1) parts.push("password required (" + s.authMethod + ")");
  else if (s.authRequired == 0) {
    let line = "no password needed for user " + user;
    const at = s.paramNames.indexOf("server_version");
    if (at >= 0) line += "; PostgreSQL " + s.paramValues[at];
    parts.push(line);
  }
  if (s.errorMessage.length > 0) parts.push("refused: " + s.errorMessage);
  return parts.join("; ");
}

function toOutput(s: Session, user: string): Output {
  const out = new Output();
  out.status = s.status;
  out.error = s.statusError;
  if (s.status == "success" && s.spoke) out.summary = summary(s, user);
  const m = new MapWriter();
  if (s.ssl >= 0) m.bool("ssl_supported", s.ssl == 1);
  const t = s.tls;
  if (t !== null) m.map("tls", new MapWriter().str("version", t.version).str("cipher", t.cipher));
  if (s.tlsError.length > 0) m.str("tls_error", s.tlsError);
  if (s.authRequired >= 0) m.bool("auth_required", s.authRequired == 1);
  if (s.authMethod.length > 0) m.str("auth_method", s.authMethod);
  if (s.mechanisms.length > 0) m.strArray("sasl_mechanisms", s.mechanisms);
  const e = s.error;
  if (e !== null) m.map("error", e);
  if (s.paramNames.length > 0) {
    const p = new MapWriter();
    for (let i = 0; i < s.paramNames.length; i++) p.str(s.paramNames[i], s.paramValues[i]);
    m.map("parameters", p);
  }
  out.setData(m);
  if (s.spoke) {
    const svc = new Service("postgresql");
    svc.product = "PostgreSQL";
    const at = s.paramNames.indexOf("server_version");
    if (at >= 0) {
      // "15.14 (Debian 15.14-0+deb12u1)": the version, then the build in parentheses
      const v = s.paramValues[at];
      const sp = v.indexOf(" ");
      svc.version = sp >= 0 ? v.substring(0, sp) : v;
      if (sp >= 0) svc.extrainfo = v.substring(sp + 1).replace("(", "").replace(")", "");
    }
    svc.addCpe("postgresql", "postgresql");
    svc.confidence = 1.0;
    out.service = svc;
  }
  return out;
}

function run(input: Input): Output {
  const target = input.target!;
  timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const user = input.config.getString("user", "postgres");
  const database = input.config.getString("database", "postgres");
  const s = new Session();
  if (probeSsl(s, target.ip, target.port, target.hostname)) probeStartup(s, target.ip, target.port, user, database);
  return toOutput(s, user);
}

register(run);
