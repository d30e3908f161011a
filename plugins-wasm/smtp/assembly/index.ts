// smtp: a wasmap scanner for SMTP (25, 587; 465 with implicit TLS, RFC 8314).
// Reads the 220 greeting, sends EHLO and reads the extensions (RFC 5321);
// if STARTTLS is offered (RFC 3207) upgrades, records the TLS version and
// cipher and sends EHLO again, since servers often offer more (AUTH) inside
// TLS. Then QUIT. It never sends MAIL, RCPT or AUTH.
import {
  Input, MapWriter, Output, Socket, TlsInfo, errorName, firstLine, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import { Extensions, Reply, exchange, parseExtensions, readReply, serviceFromBanner } from "./smtp";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

const EHLO_NAME = "wasmap.invalid";

/** What was learnt so far; a failure later still reports it. */
class Session {
  banner: string = "";
  ehlo: string[] = [];
  extensions: Extensions = new Extensions();
  starttls: bool = false;
  implicitTls: bool = false;
  tls: TlsInfo | null = null;
  ehloTls: Reply | null = null;
  status: string = "success";
  error: string = "";
}

let timeout: i32 = 3000;

function failReply(s: Session, r: Reply): void {
  if (s.status != "success") return;
  s.status = r.failStatus();
  s.error = r.failReason();
}

function command(sock: Socket, s: Session, line: string): Reply {
  const r = exchange(sock, line, timeout);
  if (!r.ok) failReply(s, r);
  return r;
}

function upgrade(sock: Socket, s: Session, sni: string): bool {
  if (sock.tlsUpgrade(sni, timeout) < 0) {
    s.status = statusForError(sock.error);
    s.error = "TLS handshake: " + errorName(sock.error);
    return false;
  }
  s.tls = sock.tlsInfo();
  return true;
}

function tlsMap(t: TlsInfo): MapWriter {
  return new MapWriter().str("version", t.version).str("cipher", t.cipher);
}

/** The extension's argument, or null when not offered. */
function extArg(e: Extensions, name: string): string | null {
  for (let i = 0; i < e.names.length; i++) if (e.names[i] == name) return e.args[i];
  return null;
}

/** The table's line (A8): TLS first (can mail be read in transit), then what the server offers. */
function summary(s: Session): string {
  if (s.ehlo.length == 0) {
    return "not accepting mail: " + firstLine(s.banner);
  }
  const parts = new Array<string>();
  parts.push(s.extensions.names.length > 0 ? "ESMTP" : "SMTP");
  const t = s.tls;
  if (s.implicitTls) parts.push("implicit TLS" + (t !== null ? " (" + t.version + ")" : ""));
  else if (s.starttls) parts.push("STARTTLS" + (t !== null ? " (" + t.version + ")" : ""));
  else parts.push("no STARTTLS");
  const n = s.extensions.names.length;
  parts.push(n.toString() + (n == 1 ? " extension" : " extensions"));
  // AUTH as offered inside TLS when we got there, as servers often hide it before
  const e = s.ehloTls;
  let auth = e !== null && e.code == 250 ? extArg(parseExtensions(e), "AUTH") : null;
  if (auth === null) auth = extArg(s.extensions, "AUTH");
  if (auth !== null) parts.push("AUTH " + auth);
  const size = extArg(s.extensions, "SIZE");
  if (size !== null && size.length > 0) parts.push("max size " + size);
  return parts.join(", ");
}

function toOutput(s: Session, withService: bool): Output {
  const out = new Output();
  out.status = s.status;
  out.error = s.error;
  if (withService && s.status == "success") out.summary = summary(s);
  const m = new MapWriter()
    .str("banner", s.banner)
    .strArray("ehlo", s.ehlo)
    .map("extensions", s.extensions.toMap())
    .bool("starttls", s.starttls);
  if (s.implicitTls) m.bool("implicit_tls", true);
  const t = s.tls;
  if (t !== null) m.map("tls", tlsMap(t));
  const e = s.ehloTls;
  if (e !== null && e.code == 250) m.map("extensions_tls", parseExtensions(e).toMap());
  out.setData(m);
  if (withService) out.service = serviceFromBanner(s.banner);
  return out;
}

function run(input: Input): Output {
  const target = input.target!;
  timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const sni = target.hostname;
  const sock = Socket.connect(target.ip, target.port, timeout);
  if (!sock.ok) return Output.ioFail(sock.error, true);
  const s = new Session();
  // submissions (465) speak TLS from the first byte
  s.implicitTls = target.tls || target.port == 465;
  if (s.implicitTls && !upgrade(sock, s, sni)) return toOutput(s, false);

  const greet = readReply(sock, timeout);
  if (greet.lines.length > 0) s.banner = greet.lines.join("\n");
  if (!greet.ok) { failReply(s, greet); return toOutput(s, false); }
  if (greet.code != 220) { sock.close(); return toOutput(s, true); } // 554: an SMTP server refusing us

  const ehlo = command(sock, s, "EHLO " + EHLO_NAME);
  s.ehlo = ehlo.lines;
  s.extensions = parseExtensions(ehlo);
  s.starttls = s.extensions.has("STARTTLS");
  if (s.status == "success" && s.starttls && !s.implicitTls) {
    const go = command(sock, s, "STARTTLS");
    if (go.code == 220 && upgrade(sock, s, sni)) {
      // RFC 3207 §4.2: the session restarts; what was said before TLS is void
      s.ehloTls = command(sock, s, "EHLO " + EHLO_NAME);
    }
  }
  if (s.status == "success") {
    sock.sendString("QUIT\r\n");
    readReply(sock, 1000); // 221; nothing depends on it
  }
  sock.close();
  return toOutput(s, true);
}

register(run);
