// HTTP/1.x responses (RFC 9112) as a scanner needs them: status line,
// header fields, message body framing (chunked, Content-Length, or until
// close), and a few helpers (title, Location resolution).
//
// parseResponse is pure: it looks at every byte received so far and says
// PARSE_MORE (need more), PARSE_OK or PARSE_BAD (with a reason and what was
// read). It never traps; the caps below bound what a hostile server costs.
import { hexVal, isDigit, latin1 } from "../text/ascii";

/** Status line + header fields, in bytes. */
export const MAX_HEAD_BYTES = 32768;
/** Header fields kept; more is refused. */
export const MAX_HEADERS = 100;
/** 1xx interim responses skipped before the final one. */
export const MAX_INTERIM = 4;
/** A chunk-size line (with extensions) longer than this is refused. */
export const MAX_CHUNK_LINE = 1024;
/** Trailer fields skipped after the last chunk. */
export const MAX_TRAILERS = 32;
/** Title characters kept. */
export const MAX_TITLE = 1024;

export const PARSE_OK: i32 = 0;
export const PARSE_MORE: i32 = 1;
export const PARSE_BAD: i32 = 2;

export class Header {
  constructor(public name: string, public value: string) {}
}

/** Grows by doubling, so appending chunk after chunk stays linear. */
class ByteBuf {
  data: Uint8Array = new Uint8Array(256);
  length: i32 = 0;
  append(src: Uint8Array, from: i32, n: i32): void {
    if (this.length + n > this.data.length) {
      let cap = this.data.length;
      while (cap < this.length + n) cap *= 2;
      const d = new Uint8Array(cap);
      d.set(this.data.subarray(0, this.length), 0);
      this.data = d;
    }
    this.data.set(src.subarray(from, from + n), this.length);
    this.length += n;
  }
  bytes(): Uint8Array { return this.data.slice(0, this.length); }
}

export class Response {
  status: i32 = PARSE_MORE;
  error: string = "";
  headComplete: bool = false;
  httpVersion: string = "";
  statusCode: i32 = 0;
  statusMessage: string = "";
  headers: Array<Header> = [];
  body: Uint8Array = new Uint8Array(0);
  /** The body was cut at maxBody (the rest was not read). */
  bodyTruncated: bool = false;
  /** "chunked", "content-length", "close" or "none". */
  framing: string = "";

  /** The first value of a header (case-insensitive name), or "". */
  header(name: string): string {
    const n = name.toLowerCase();
    for (let i = 0; i < this.headers.length; i++) if (this.headers[i].name.toLowerCase() == n) return this.headers[i].value;
    return "";
  }

  private bad(msg: string): Response { this.status = PARSE_BAD; this.error = msg; return this; }
  private ok(): Response { this.status = PARSE_OK; return this; }
}

function findHeadEnd(buf: Uint8Array, off: i32): i32 {
  const limit = min(buf.length, off + MAX_HEAD_BYTES);
  for (let i = off; i < limit; i++) {
    if (buf[i] != 0x0a) continue;
    if (i + 1 < buf.length && buf[i + 1] == 0x0a) return i + 2;
    if (i + 2 < buf.length && buf[i + 1] == 0x0d && buf[i + 2] == 0x0a) return i + 3;
  }
  return -1;
}

/** Status line and fields of the message at `off`; returns the body offset, -1 for more, -2 bad (r.error). */
function parseHead(r: Response, buf: Uint8Array, off: i32): i32 {
  const end = findHeadEnd(buf, off);
  if (end < 0) {
    if (buf.length - off >= MAX_HEAD_BYTES) { r.status = PARSE_BAD; r.error = "header section longer than " + MAX_HEAD_BYTES.toString() + " bytes"; return -2; }
    // a complete status line is already worth reporting
    return -1;
  }
  const text = latin1(buf.subarray(off, end));
  const lines = text.split("\n");
  let first = lines[0];
  if (first.endsWith("\r")) first = first.substring(0, first.length - 1);
  // HTTP-version SP status-code SP [reason-phrase]
  if (!first.startsWith("HTTP/")) { r.status = PARSE_BAD; r.error = "not an HTTP response"; return -2; }
  const sp = first.indexOf(" ");
  if (sp < 6 || sp > 9 || first.length < sp + 4) { r.status = PARSE_BAD; r.error = "malformed status line"; return -2; }
  const code = first.substring(sp + 1, sp + 4);
  if (!isDigit(code.charCodeAt(0)) || !isDigit(code.charCodeAt(1)) || !isDigit(code.charCodeAt(2)) || (first.length > sp + 4 && first.charCodeAt(sp + 4) != 0x20)) {
    r.status = PARSE_BAD; r.error = "malformed status code"; return -2;
  }
  r.httpVersion = first.substring(5, sp);
  r.statusCode = I32.parseInt(code);
  r.statusMessage = first.length > sp + 5 ? first.substring(sp + 5) : "";
  r.headers = [];
  for (let i = 1; i < lines.length; i++) {
    let l = lines[i];
    if (l.endsWith("\r")) l = l.substring(0, l.length - 1);
    if (l.length == 0) continue;
    const c = l.charCodeAt(0);
    if ((c == 0x20 || c == 0x09) && r.headers.length > 0) { // obsolete line folding
      const h = r.headers[r.headers.length - 1];
      h.value = h.value + " " + l.trim();
      continue;
    }
    const colon = l.indexOf(":");
    if (colon <= 0) { r.status = PARSE_BAD; r.error = "header line without a name"; return -2; }
    if (r.headers.length >= MAX_HEADERS) { r.status = PARSE_BAD; r.error = "more than " + MAX_HEADERS.toString() + " header fields"; return -2; }
    r.headers.push(new Header(l.substring(0, colon).trim(), l.substring(colon + 1).trim()));
  }
  return end;
}

/** A Content-Length value (all copies must agree, RFC 9112 §6.3); -1 if invalid. */
function contentLength(v: string): i64 {
  const parts = v.split(",");
  let out: i64 = -1;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i].trim();
    if (p.length == 0 || p.length > 15) return -1;
    let n: i64 = 0;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      if (!isDigit(c)) return -1;
      n = n * 10 + <i64>(c - 0x30);
    }
    if (out >= 0 && n != out) return -1;
    out = n;
  }
  return out;
}

/** Index of the next LF at or after `from` within `cap` bytes; -1 more, -2 too long. */
function lineEnd(buf: Uint8Array, from: i32, cap: i32): i32 {
  const limit = min(buf.length, from + cap);
  for (let i = from; i < limit; i++) if (buf[i] == 0x0a) return i;
  return buf.length - from >= cap ? -2 : -1;
}

/** Decodes a chunked body starting at `pos` (RFC 9112 §7.1). */
function dechunk(r: Response, buf: Uint8Array, pos: i32, maxBody: i32, closed: bool): void {
  const body = new ByteBuf();
  while (true) {
    const nl = lineEnd(buf, pos, MAX_CHUNK_LINE);
    if (nl == -2) { r.body = body.bytes(); r.status = PARSE_BAD; r.error = "chunk-size line longer than " + MAX_CHUNK_LINE.toString() + " bytes"; return; }
    if (nl < 0) { r.body = body.bytes(); if (closed) { r.status = PARSE_BAD; r.error = "connection closed inside a chunked body"; } return; }
    // chunk-size [; ext] CRLF: at most 8 hex digits (a chunk of up to 4 GiB - 1)
    let size: i64 = 0;
    let digits = 0;
    let i = pos;
    while (i < nl) {
      const v = hexVal(buf[i]);
      if (v < 0) break;
      if (digits > 0 || v > 0) digits++;
      if (digits > 8) { r.body = body.bytes(); r.status = PARSE_BAD; r.error = "chunk size too large"; return; }
      size = size * 16 + v;
      i++;
    }
    if (i == pos) { r.body = body.bytes(); r.status = PARSE_BAD; r.error = "malformed chunk size"; return; }
    while (i < nl && (buf[i] == 0x20 || buf[i] == 0x09)) i++;
    if (i < nl && buf[i] != 0x3b && !(buf[i] == 0x0d && i == nl - 1)) { r.body = body.bytes(); r.status = PARSE_BAD; r.error = "malformed chunk size"; return; }
    pos = nl + 1;
    if (size == 0) {
      // trailer fields, then an empty line
      for (let t = 0; t <= MAX_TRAILERS; t++) {
        const e = lineEnd(buf, pos, MAX_HEAD_BYTES);
        if (e == -2) { r.body = body.bytes(); r.status = PARSE_BAD; r.error = "trailer line too long"; return; }
        if (e < 0) {
          r.body = body.bytes();
          if (closed) r.status = PARSE_OK; // last chunk seen; a missing final CRLF is harmless
          return;
        }
        const empty = e == pos || (e == pos + 1 && buf[pos] == 0x0d);
        pos = e + 1;
        if (empty) { r.body = body.bytes(); r.status = PARSE_OK; return; }
      }
      r.body = body.bytes(); r.status = PARSE_BAD; r.error = "more than " + MAX_TRAILERS.toString() + " trailer fields"; return;
    }
    const room = maxBody - body.length;
    const have = <i64>(buf.length - pos);
    if (<i64>room <= size && have >= <i64>room) {
      // enough for the cap: stop here, the rest is not needed
      body.append(buf, pos, room);
      r.body = body.bytes(); r.bodyTruncated = true; r.status = PARSE_OK; return;
    }
    if (have < size + 2) {
      body.append(buf, pos, <i32>min(have, size));
      r.body = body.bytes();
      if (closed) { r.status = PARSE_BAD; r.error = "connection closed inside a chunk"; }
      return;
    }
    body.append(buf, pos, <i32>size);
    pos += <i32>size;
    if (buf[pos] == 0x0d && buf[pos + 1] == 0x0a) pos += 2;
    else if (buf[pos] == 0x0a) pos += 1;
    else { r.body = body.bytes(); r.status = PARSE_BAD; r.error = "chunk data not followed by CRLF"; return; }
  }
}

/**
 * The response in `buf` so far. `isHead`: the request was HEAD (no body).
 * `closed`: the peer has closed, so nothing more will come. The body is
 * cut at `maxBody` bytes (bodyTruncated).
 */
export function parseResponse(buf: Uint8Array, isHead: bool, maxBody: i32, closed: bool): Response {
  const r = new Response();
  let off = 0;
  let bodyAt = -1;
  for (let interim = 0; interim <= MAX_INTERIM; interim++) {
    bodyAt = parseHead(r, buf, off);
    if (bodyAt == -2) return r;
    if (bodyAt == -1) {
      if (closed) { r.status = PARSE_BAD; r.error = buf.length == off ? "connection closed before a response" : "connection closed inside the header section"; }
      return r;
    }
    // 1xx other than 101 are interim: the final response follows (RFC 9110 §15.2)
    if (r.statusCode >= 100 && r.statusCode < 200 && r.statusCode != 101) { off = bodyAt; bodyAt = -1; continue; }
    break;
  }
  if (bodyAt < 0) { r.status = PARSE_BAD; r.error = "more than " + MAX_INTERIM.toString() + " interim responses"; return r; }
  r.headComplete = true;
  const code = r.statusCode;
  if (isHead || code == 204 || code == 304 || code == 101) { r.framing = "none"; r.status = PARSE_OK; return r; }
  const te = r.header("transfer-encoding").toLowerCase();
  if (te.length > 0) {
    // chunked must be the final coding; otherwise the body runs until close
    if (te.endsWith("chunked")) { r.framing = "chunked"; dechunk(r, buf, bodyAt, maxBody, closed); return r; }
  } else {
    const cl = r.header("content-length");
    if (cl.length > 0) {
      const n = contentLength(cl);
      if (n < 0) { r.status = PARSE_BAD; r.error = "invalid Content-Length"; return r; }
      r.framing = "content-length";
      const have = buf.length - bodyAt;
      const want = <i32>min(n, <i64>maxBody);
      if (have >= want) {
        r.body = buf.slice(bodyAt, bodyAt + want);
        r.bodyTruncated = <i64>want < n;
        r.status = PARSE_OK;
      } else {
        r.body = buf.slice(bodyAt);
        if (closed) { r.status = PARSE_BAD; r.error = "connection closed after " + have.toString() + " of " + n.toString() + " body bytes"; }
      }
      return r;
    }
  }
  r.framing = "close";
  const have = buf.length - bodyAt;
  if (have >= maxBody) {
    r.body = buf.slice(bodyAt, bodyAt + maxBody);
    r.bodyTruncated = have > maxBody || !closed;
    r.status = PARSE_OK;
  } else {
    r.body = buf.slice(bodyAt);
    if (closed) r.status = PARSE_OK;
  }
  return r;
}

function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", "\"").replaceAll("&#39;", "'")
    .replaceAll("&apos;", "'").replaceAll("&nbsp;", " ").replaceAll("&amp;", "&");
}

/** Text of the first <title> element, whitespace collapsed, at most MAX_TITLE characters; "" if none. */
export function extractTitle(body: string): string {
  const lower = body.toLowerCase();
  let at = lower.indexOf("<title");
  while (at >= 0) {
    const c = lower.charCodeAt(at + 6);
    if (c == 0x3e || c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) break; // not <titlefoo>
    at = lower.indexOf("<title", at + 6);
  }
  if (at < 0) return "";
  const gt = lower.indexOf(">", at);
  if (gt < 0) return "";
  let end = lower.indexOf("</title", gt);
  if (end < 0) end = min(body.length, gt + 1 + MAX_TITLE);
  const raw = body.substring(gt + 1, min(end, gt + 1 + MAX_TITLE * 4));
  // collapse runs of whitespace
  const words = new Array<string>(0);
  let w = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charCodeAt(i);
    if (ch == 0x20 || ch == 0x09 || ch == 0x0a || ch == 0x0d) { if (w.length > 0) { words.push(w); w = ""; } }
    else w += raw.charAt(i);
  }
  if (w.length > 0) words.push(w);
  const t = decodeEntities(words.join(" "));
  return t.length > MAX_TITLE ? t.substring(0, MAX_TITLE) : t;
}

/** scheme://host:port/path, enough to tell where a redirect points. */
export class Url {
  constructor(public scheme: string, public host: string, public port: i32, public path: string) {}

  static defaultPort(scheme: string): i32 { return scheme == "https" ? 443 : 80; }

  /** host[:port] as in a Host header: the port only when it is not the scheme's default. */
  authority(): string {
    const h = this.host.includes(":") ? "[" + this.host + "]" : this.host;
    return this.port == Url.defaultPort(this.scheme) ? h : h + ":" + this.port.toString();
  }

  toString(): string { return this.scheme + "://" + this.authority() + this.path; }

  sameOrigin(o: Url): bool {
    return this.scheme == o.scheme && this.host.toLowerCase() == o.host.toLowerCase() && this.port == o.port;
  }
}

/** Resolves a Location value against `base` (RFC 3986 §5, the common forms); null if unusable. */
export function resolveLocation(loc: string, base: Url): Url | null {
  let s = loc.trim();
  const hash = s.indexOf("#");
  if (hash >= 0) s = s.substring(0, hash);
  if (s.length == 0) return null;
  const lower = s.toLowerCase();
  let scheme = base.scheme;
  let rest = "";
  if (lower.startsWith("http://")) { scheme = "http"; rest = s.substring(7); }
  else if (lower.startsWith("https://")) { scheme = "https"; rest = s.substring(8); }
  else if (s.startsWith("//")) rest = s.substring(2);
  else if (s.startsWith("/")) return new Url(base.scheme, base.host, base.port, s);
  else if (s.indexOf(":") >= 0 && s.indexOf(":") < max(s.indexOf("/"), s.indexOf("?") < 0 ? s.length : s.indexOf("?"))) return null; // another scheme
  else {
    let dir = base.path;
    const q = dir.indexOf("?");
    if (q >= 0) dir = dir.substring(0, q);
    dir = dir.substring(0, dir.lastIndexOf("/") + 1);
    if (dir.length == 0) dir = "/";
    return new Url(base.scheme, base.host, base.port, dir + s);
  }
  // authority [path]
  let slash = rest.length;
  for (let i = 0; i < rest.length; i++) { const c = rest.charCodeAt(i); if (c == 0x2f || c == 0x3f) { slash = i; break; } }
  let auth = rest.substring(0, slash);
  let path = rest.substring(slash);
  if (path.length == 0) path = "/";
  else if (path.startsWith("?")) path = "/" + path;
  const at = auth.lastIndexOf("@");
  if (at >= 0) auth = auth.substring(at + 1); // userinfo is never sent
  let host = auth;
  let port = Url.defaultPort(scheme);
  if (auth.startsWith("[")) {
    const close = auth.indexOf("]");
    if (close < 0) return null;
    host = auth.substring(1, close);
    const tail = auth.substring(close + 1);
    if (tail.length > 0) { if (!tail.startsWith(":")) return null; port = parsePort(tail.substring(1)); }
  } else {
    const colon = auth.indexOf(":");
    if (colon >= 0) { host = auth.substring(0, colon); port = parsePort(auth.substring(colon + 1)); }
  }
  if (host.length == 0 || port < 0) return null;
  return new Url(scheme, host, port, path);
}

function parsePort(s: string): i32 {
  if (s.length == 0) return -2; // "host:" means the default in RFC 3986; keep it strict and simple
  if (s.length > 5) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n > 0 && n < 65536 ? n : -1;
}
