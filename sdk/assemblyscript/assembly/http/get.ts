// One HTTP/1.1 GET on a fresh connection (plain or TLS), read with the
// bounded framing of ./response.ts: what a plugin needs to query an HTTP
// API (Docker, Kubernetes, …) without writing its own client.
import { deadlineIn, msUntil } from "../clock";
import { errorName, statusForError } from "../errors";
import { Target } from "../input";
import { Socket } from "../socket";
import { STATUS_PROTOCOL_ERROR } from "../status";
import { Header, PARSE_BAD, PARSE_OK, Response } from "./response";
import { readResponse } from "./read";

/** Room for the header section on top of the body cap. */
const HEAD_ROOM: i32 = 32768 + 8192;

export class HttpGetOptions {
  timeoutMs: i32 = 5000;
  /** Body bytes kept (and read); the rest is not read. */
  maxBody: i32 = 65536;
  /** TLS first (SNI = the target's hostname, if any). */
  tls: bool = false;
  userAgent: string = "Mozilla/5.0 (compatible; wasmap/0.1)";
  /** More request fields (Accept, Authorization, …), sent after Host and User-Agent. */
  headers: Array<Header> = new Array<Header>(0);
}

/** The outcome: `status` "" when a response was read in full, else an ABI §7 status and `error`. */
export class HttpGetResult {
  status: string = "";
  error: string = "";
  /** Set once the header section was read, even when the body then failed. */
  response: Response | null = null;
  tlsVersion: string = "";

  get ok(): bool { return this.status.length == 0 && this.response !== null; }

  /** The body as UTF-8 text ("" without a response). */
  bodyText(): string {
    const r = this.response;
    return r === null ? "" : String.UTF8.decode(r.body.buffer, false);
  }
}

/** host[:port] for the Host field: the hostname if given, else the IP (bracketed for IPv6). */
export function hostField(t: Target, tls: bool): string {
  const h = t.hostname.length > 0 ? t.hostname : (t.ip.includes(":") ? "[" + t.ip + "]" : t.ip);
  return t.port == (tls ? 443 : 80) ? h : h + ":" + t.port.toString();
}

/**
 * GET `path` from the target; `Connection: close`, so the connection ends
 * with the response. Never traps: failures come back in `status`/`error`.
 */
export function httpGet(t: Target, path: string, o: HttpGetOptions = new HttpGetOptions()): HttpGetResult {
  const x = new HttpGetResult();
  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(o.timeoutMs)));
  if (!sock.ok) { x.status = statusForError(sock.error, true); x.error = errorName(sock.error); return x; }
  if (o.tls) {
    const rc = sock.tlsUpgrade(t.hostname, msUntil(deadlineIn(o.timeoutMs)));
    if (rc < 0) { x.status = statusForError(rc); x.error = "TLS handshake: " + errorName(rc); sock.close(); return x; }
    const info = sock.tlsInfo();
    if (info !== null) x.tlsVersion = info.version;
  }
  let req = "GET " + path + " HTTP/1.1\r\nHost: " + hostField(t, o.tls) + "\r\nUser-Agent: " + o.userAgent + "\r\n";
  for (let i = 0; i < o.headers.length; i++) req += o.headers[i].name + ": " + o.headers[i].value + "\r\n";
  req += "Connection: close\r\n\r\n";
  if (sock.sendString(req) < 0) { x.status = statusForError(sock.error); x.error = "send: " + errorName(sock.error); sock.close(); return x; }

  const read = readResponse(sock, false, o.maxBody, HEAD_ROOM + o.maxBody, deadlineIn(o.timeoutMs));
  const r = read.response;
  x.status = read.status;
  x.error = read.error;
  sock.close();
  if (r.status == PARSE_BAD && x.status.length == 0) { x.status = STATUS_PROTOCOL_ERROR; x.error = r.error; }
  if (r.headComplete || r.status == PARSE_OK) x.response = r;
  return x;
}
