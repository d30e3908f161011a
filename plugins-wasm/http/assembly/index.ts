// http / https: a wasmap scanner plugin (RFC 9110/9112). It sends one
// `GET <path> HTTP/1.1` (Host from the target's hostname, else its IP;
// `Connection: close`), over TLS when the `tls` config or the target says
// so (SNI = the hostname), reads the response with bounded framing, and
// follows up to `max_redirects` redirects that stay on the same
// scheme://host:port. The same code is built as two plugins: `http`
// (plugins-wasm/http, tls = false) and `https` (plugins-wasm/https, tls = true).
import {
  ArrayWriter, Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, STATUS_SUCCESS,
  Service, Socket, Target, deadlineIn, errorName, msUntil, register, statusForError,
  Header, PARSE_BAD, PARSE_OK, Response, Url, extractTitle, readResponse, resolveLocation,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

class Settings {
  method: string = "GET";
  userAgent: string = "";
  hostHeader: string = "";
  maxBody: i32 = 65536;
  maxRedirects: i32 = 3;
  timeout: i32 = 5000;
  tls: bool = false;
}

/** One request/response exchange on a fresh connection. */
class Exchange {
  status: string = "";
  error: string = "";
  response: Response | null = null;
  tlsVersion: string = "";
  tlsCipher: string = "";
}

function requestHeaders(url: Url, s: Settings): Array<Header> {
  const h = new Array<Header>(0);
  h.push(new Header("Host", s.hostHeader.length > 0 ? s.hostHeader : url.authority()));
  h.push(new Header("User-Agent", s.userAgent));
  h.push(new Header("Accept", "*/*"));
  h.push(new Header("Connection", "close"));
  return h;
}

function exchange(t: Target, url: Url, s: Settings): Exchange {
  const x = new Exchange();
  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(s.timeout)));
  if (!sock.ok) { x.status = statusForError(sock.error, true); x.error = errorName(sock.error); return x; }
  if (s.tls) {
    // SNI only for a name: the host drops IP literals anyway
    const rc = sock.tlsUpgrade(t.hostname, msUntil(deadlineIn(s.timeout)));
    if (rc < 0) { x.status = statusForError(rc); x.error = "TLS handshake: " + errorName(rc); sock.close(); return x; }
    const info = sock.tlsInfo();
    if (info !== null) { x.tlsVersion = info.version; x.tlsCipher = info.cipher; }
  }
  const hs = requestHeaders(url, s);
  let req = s.method + " " + url.path + " HTTP/1.1\r\n";
  for (let i = 0; i < hs.length; i++) req += hs[i].name + ": " + hs[i].value + "\r\n";
  req += "\r\n";
  if (sock.sendString(req) < 0) { x.status = statusForError(sock.error); x.error = "send: " + errorName(sock.error); sock.close(); return x; }

  const isHead = s.method == "HEAD";
  // the head may take 32 KiB, then the body up to max_body
  const read = readResponse(sock, isHead, s.maxBody, 32768 + s.maxBody + 8192, deadlineIn(s.timeout));
  const r = read.response;
  x.status = read.status;
  x.error = read.error;
  sock.close();
  if (r.status == PARSE_BAD && x.status.length == 0) { x.status = STATUS_PROTOCOL_ERROR; x.error = r.error; }
  if (r.headComplete || r.status == PARSE_OK) x.response = r;
  return x;
}

function isRedirect(code: i32): bool {
  return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

function headersMap(hs: Array<Header>): MapWriter {
  // lowercase names; repeated fields joined with ", " (RFC 9110 §5.3)
  const names = new Array<string>(0);
  const values = new Array<string>(0);
  for (let i = 0; i < hs.length; i++) {
    const n = hs[i].name.toLowerCase();
    const at = names.indexOf(n);
    if (at >= 0) values[at] = values[at] + ", " + hs[i].value;
    else { names.push(n); values.push(hs[i].value); }
  }
  const m = new MapWriter();
  for (let i = 0; i < names.length; i++) m.str(names[i], values[i]);
  return m;
}

/** product/version from a Server header: "nginx/1.22.1" → nginx 1.22.1. */
function service(name: string, server: string): Service {
  const s = new Service(name);
  s.confidence = 1.0;
  if (server.length == 0) { s.confidence = 0.8; return s; }
  const sp = server.indexOf(" ");
  const first = sp < 0 ? server : server.substring(0, sp);
  const slash = first.indexOf("/");
  const prod = slash < 0 ? first : first.substring(0, slash);
  const ver = slash < 0 ? "" : first.substring(slash + 1);
  s.version = ver;
  if (sp >= 0) s.extrainfo = server.substring(sp + 1).replaceAll("(", "").replaceAll(")", "");
  if (prod == "nginx") {
    s.product = "nginx";
    s.addVersionCpe("igor_sysoev", "nginx");
  } else if (prod == "Apache") {
    s.product = "Apache httpd";
    s.addVersionCpe("apache", "http_server");
  } else if (prod == "lighttpd") {
    s.product = "lighttpd";
    s.addVersionCpe("lighttpd", "lighttpd");
  } else {
    s.product = prod;
  }
  return s;
}

function run(input: Input): Output {
  const t = input.target!;
  const c = input.config;
  const s = new Settings();
  s.method = c.getString("method", "GET");
  s.userAgent = c.getString("user_agent", "Mozilla/5.0 (compatible; wasmap/0.1)");
  s.hostHeader = c.getString("host_header", "");
  s.maxBody = <i32>c.getInt("max_body", 65536);
  s.maxRedirects = <i32>c.getInt("max_redirects", 3);
  s.timeout = <i32>c.getInt("timeout_ms", 5000);
  s.tls = c.getBool("tls", false) || t.tls;
  let path = c.getString("path", "/");
  if (!path.startsWith("/")) path = "/" + path;
  const scheme = s.tls ? "https" : "http";
  const first = new Url(scheme, t.hostname.length > 0 ? t.hostname : t.ip, t.port, path);

  // the request as sent the first time
  const reqHeaders = requestHeaders(first, s);
  const request = new MapWriter().str("url", first.toString()).str("method", s.method).map("headers", headersMapKeepCase(reqHeaders));

  let url = first;
  const redirects = new ArrayWriter();
  const hops = new Array<string>(0); // "301 → /login/", for the summary
  let x = exchange(t, url, s);
  let note = "";
  for (let hop = 0; ; hop++) {
    const r = x.response;
    if (r === null || x.status.length > 0 || !isRedirect(r.statusCode)) break;
    const loc = r.header("location");
    if (loc.length == 0) break;
    redirects.map(new MapWriter().int("statusCode", r.statusCode).str("redirectUri", loc));
    hops.push(r.statusCode.toString() + " → " + loc);
    if (hop >= s.maxRedirects) { note = "stopped after max_redirects (" + s.maxRedirects.toString() + ")"; break; }
    const next = resolveLocation(loc, url);
    if (next === null) { note = "redirect not followed: unusable Location"; break; }
    // only the same scheme://host:port; the target's IP counts as the same host
    const n = next!;
    const sameHost = n.sameOrigin(url) || (n.scheme == url.scheme && n.port == url.port && n.host == t.ip);
    if (!sameHost) { note = "redirect not followed: " + n.scheme + "://" + n.authority() + " is another origin"; break; }
    url = new Url(url.scheme, url.host, url.port, n.path);
    x = exchange(t, url, s);
  }

  const out = new Output();
  const data = new MapWriter().map("request", request);
  const r = x.response;
  if (r !== null) {
    const body = String.UTF8.decode(r.body.buffer, false);
    const resp = new MapWriter()
      .int("statusCode", r.statusCode)
      .str("statusMessage", r.statusMessage)
      .str("httpVersion", r.httpVersion)
      .map("headers", headersMap(r.headers))
      .str("body", body)
      .str("title", extractTitle(body))
      .str("href", url.toString())
      .array("redirects", redirects);
    if (r.bodyTruncated) resp.bool("body_truncated", true);
    if (note.length > 0) resp.str("redirect_note", note);
    data.map("response", resp);
    out.service = service(scheme, r.header("server"));
    if (x.status.length == 0) out.summary = summary(r, hops, note, extractTitle(body));
  }
  if (x.tlsVersion.length > 0) data.map("tls", new MapWriter().str("version", x.tlsVersion).str("cipher", x.tlsCipher));
  if (x.status.length > 0) { out.status = x.status; out.error = x.error; } else out.status = STATUS_SUCCESS;
  return out.setData(data);
}

/**
 * The table's line (A8): the redirect chain, the final status, the page's
 * title and the Server header, e.g. `301 → /login/ → 200 OK "Login" (nginx/1.22.1)`.
 */
function summary(r: Response, hops: Array<string>, note: string, title: string): string {
  let line = hops.join(" → ");
  if (note.length > 0) {
    // the last response is a redirect we did not follow: it is already in the chain
    line += note.startsWith("stopped") ? " (max_redirects reached)" : " (not followed)";
  } else {
    if (line.length > 0) line += " → ";
    line += r.statusCode.toString();
    if (r.statusMessage.length > 0) line += " " + r.statusMessage;
    if (title.length > 0) line += " \"" + title + "\"";
  }
  const server = r.header("server");
  if (server.length > 0) line += " (" + server + ")";
  return line;
}

/** Request headers as sent, with their own capitalisation (BinaryEdge shows `User-Agent`). */
function headersMapKeepCase(hs: Array<Header>): MapWriter {
  const m = new MapWriter();
  for (let i = 0; i < hs.length; i++) m.str(hs[i].name, hs[i].value);
  return m;
}

register(run);
