// ftp: a wasmap scanner for FTP (port 21, RFC 959). Reads the 220 greeting,
// tries anonymous login (RFC 1635), asks SYST and FEAT (RFC 2389) and, when
// logged in, lists the root directory over one passive data connection to
// the target's own address (PASV, or EPSV for IPv6), then QUITs.
import {
  Input, MapWriter, Output, Socket, errorName, firstLine, register,
} from "@wasmap/sdk-assemblyscript";
import { Reply, exchange, parseEpsv, parseFeatures, parsePasv, readReply, serviceFromBanner } from "./ftp";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** What was learnt so far: every step adds to it, so a failure still reports the rest. */
class Session {
  banner: string = "";
  anonymous: bool = false;
  syst: string = "";
  features: string[] = [];
  listing: string[] = [];
  listingTruncated: bool = false;
  listingError: string = "";
  listingCommand: string = "LIST";
  /** A listing came over the data connection (possibly empty). */
  listed: bool = false;
  status: string = "success";
  error: string = "";
}

let timeout: i32 = 3000;

/** Sends one command and reads its reply; a failure is recorded in `s`. */
function command(sock: Socket, s: Session, line: string): Reply {
  const r = exchange(sock, line, timeout);
  if (!r.ok) fail(s, r);
  return r;
}

/** Records the first failure. */
function fail(s: Session, r: Reply): void {
  if (s.status != "success") return;
  s.status = r.failStatus();
  s.error = r.failReason();
}

/** PASV (EPSV for IPv6) and a data connection to the target's own address; null with s.listingError set if not. */
function openData(sock: Socket, s: Session, ip: string): Socket | null {
  let port = 0;
  if (ip.includes(":")) {
    const r = command(sock, s, "EPSV");
    if (!r.ok) return null;
    port = r.code == 229 ? parseEpsv(r.text()) : 0;
    if (port == 0) { s.listingError = "EPSV refused: " + r.lines[0]; return null; }
  } else {
    const r = command(sock, s, "PASV");
    if (!r.ok) return null;
    const a = r.code == 227 ? parsePasv(r.lines[0]) : null;
    if (a === null) { s.listingError = "PASV refused: " + r.lines[0]; return null; }
    // never connect anywhere but the target (the sandbox would refuse it too)
    if (a.ip != ip) { s.listingError = "PASV address " + a.ip + " is not the target"; return null; }
    port = a.port;
  }
  const data = Socket.connect(ip, port, timeout);
  if (!data.ok) { s.listingError = "data connection: " + errorName(data.error); return null; }
  return data;
}

/**
 * One listing command (LIST, else NLST) over a fresh data connection. Returns
 * false when the server refused the command itself (5xx), so the caller may try
 * the other one; fills s.listing or s.listingError otherwise.
 */
function transfer(sock: Socket, s: Session, ip: string, cmd: string, maxLines: i32, maxBytes: i32): bool {
  const data = openData(sock, s, ip);
  if (data === null) return true;
  const start = command(sock, s, cmd);
  if (!start.ok) { data.close(); return true; }
  if (start.code != 150 && start.code != 125) {
    s.listingError = cmd + " refused: " + start.lines[0];
    data.close();
    return start.code < 500;
  }
  const bytes = data.readRemaining(maxBytes, timeout);
  data.close();
  const text = String.UTF8.decode(bytes.buffer, false);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i];
    if (l.endsWith("\r")) l = l.substring(0, l.length - 1);
    if (l.length == 0) continue;
    if (s.listing.length >= maxLines) { s.listingTruncated = true; break; }
    s.listing.push(l);
  }
  if (bytes.length >= maxBytes) s.listingTruncated = true;
  s.listingError = "";
  s.listed = true;
  const done = readReply(sock, timeout); // 226 transfer complete
  if (!done.ok) fail(s, done);
  return true;
}

/** The root's listing: LIST, or NLST (names only) when a server refuses LIST. */
function list(sock: Socket, s: Session, ip: string, maxLines: i32, maxBytes: i32): void {
  if (transfer(sock, s, ip, "LIST", maxLines, maxBytes)) return;
  if (s.status == "success") {
    s.listingCommand = "NLST";
    transfer(sock, s, ip, "NLST", maxLines, maxBytes);
  }
}

/** The table's line (A8): can a stranger log in, and what do they see. */
function summary(s: Session, greeted: bool): string {
  if (!greeted) return "not serving: " + firstLine(s.banner);
  if (!s.anonymous) return "anonymous login refused";
  let line = "anonymous login allowed";
  if (s.listingError.length > 0) return line + "; listing failed: " + s.listingError;
  const n = s.listing.length;
  if (s.listed) {
    line += "; " + n.toString() + (s.listingTruncated ? "+" : "") + (n == 1 && !s.listingTruncated ? " entry" : " entries") + " in /";
  }
  return line;
}

function toOutput(s: Session, withService: bool, greeted: bool = true): Output {
  const out = new Output();
  out.status = s.status;
  out.error = s.error;
  if (withService && s.status == "success") out.summary = summary(s, greeted);
  const m = new MapWriter()
    .str("banner", s.banner)
    .bool("anonymous", s.anonymous)
    .str("syst", s.syst)
    .strArray("features", s.features)
    .strArray("listing", s.listing);
  if (s.listingCommand != "LIST") m.str("listing_command", s.listingCommand);
  if (s.listingTruncated) m.bool("listing_truncated", true);
  if (s.listingError.length > 0) m.str("listing_error", s.listingError);
  out.setData(m);
  if (withService) out.service = serviceFromBanner(s.banner);
  return out;
}

function run(input: Input): Output {
  const target = input.target!;
  timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const password = input.config.getString("password", "wasmap@example.invalid");
  const maxLines = <i32>input.config.getInt("max_listing", 100);
  const maxBytes = <i32>input.config.getInt("max_listing_bytes", 65536);

  const sock = Socket.connect(target.ip, target.port, timeout);
  if (!sock.ok) return Output.ioFail(sock.error, true);
  const s = new Session();
  const greet = readReply(sock, timeout);
  if (!greet.ok) {
    fail(s, greet);
    if (greet.lines.length > 0) s.banner = greet.lines[0];
    return toOutput(s, false);
  }
  s.banner = greet.lines.join("\n");
  if (greet.code != 220) {
    // 120/421: an FTP server that will not serve us now; the greeting is all there is
    sock.close();
    return toOutput(s, true, false);
  }

  let r = command(sock, s, "USER anonymous");
  if (r.code == 331) r = command(sock, s, "PASS " + password);
  s.anonymous = r.code == 230;
  if (s.status == "success") {
    r = command(sock, s, "SYST");
    if (r.code == 215) s.syst = r.text();
  }
  if (s.status == "success") {
    r = command(sock, s, "FEAT");
    s.features = parseFeatures(r);
  }
  if (s.status == "success" && s.anonymous && maxLines > 0) list(sock, s, target.ip, maxLines, maxBytes);
  if (s.status == "success") {
    sock.sendString("QUIT\r\n");
    readReply(sock, 1000); // 221; nothing depends on it
  }
  sock.close();
  return toOutput(s, true);
}

register(run);
