// vnc: a wasmap scanner for VNC servers (RFB 3.3, 3.7, 3.8; ports 5900-5910).
// Reads the server's ProtocolVersion, answers with the highest version both
// speak, and reads the security types it offers. Authentication is required
// when None is not among them; then it stops. With None it goes on: chooses
// it, sends ClientInit (shared, so no other viewer is disconnected), reads
// ServerInit (framebuffer size, pixel format, desktop name), and asks for
// one full framebuffer in Raw encoding, which it returns as a PNG. It never
// sends input events.
import {
  ArrayWriter, ETIMEDOUT, concatBytes, Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Service, Socket,
  deadlineIn, encodePng, errorName, msUntil, register, statusForError,
  Stop, lostRead,
} from "@wasmap/sdk-assemblyscript";
import {
  MAX_NAME, PixelFormat, SERVER_INIT_FIXED, ServerInit, be16, be32, blitRgba, chooseMinor, desktopName, parseServerInit,
  parseVersion, securityName, setEncodingsRaw, setPixelFormat, updateRequest, versionMessage,
} from "./rfb";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** Longest failure reason or cut text read; a longer one is a protocol-error. */
const MAX_TEXT: u32 = 65536;
/** Most bytes of PNG put in the result (the sandbox's output limit is 1 MiB): a larger screen is scaled down to fit. */
const MAX_PNG_BYTES: i64 = 960000;
/** Server messages skipped (bell, colour map, cut text) before the framebuffer update. */
const MAX_OTHER_MESSAGES: i32 = 64;

/** Everything learnt so far: each step adds to it, so a failure still reports the rest. */
class Session {
  serverVersion: string = "";
  minor: i32 = 0;
  types: i32[] = [];
  typesRead: bool = false;
  failure: string = "";
  init: ServerInit | null = null;
  name: string = "";
  png: Uint8Array | null = null;
  pngWidth: i32 = 0;
  pngHeight: i32 = 0;
  skipped: string = "";

  get noAuth(): bool { return this.types.includes(1); }
}

/** Reads with one deadline per step; every miss becomes a `Stop`. */
class Reader {
  stop: Stop | null = null;
  constructor(public sock: Socket) {}

  /** Exactly `n` bytes before `deadline`, or null with `stop` set. */
  bytes(n: i32, deadline: i64, what: string): Uint8Array | null {
    const left = msUntil(deadline);
    // readExactly treats 0 as "the host default": a passed deadline is a timeout here
    if (left > 0) {
      const b = this.sock.readExactly(n, left);
      if (b !== null) return b;
    } else this.sock.error = ETIMEDOUT;
    this.lost(what, false);
    return null;
  }

  /** `n` bytes into `dst` at `off`, in chunks (a large read must not be copied over and over). */
  into(dst: Uint8Array, off: i32, n: i32, deadline: i64, what: string): bool {
    let got = 0;
    while (got < n) {
      const left = msUntil(deadline);
      if (left == 0) { this.sock.error = ETIMEDOUT; this.lost(what, false); return false; }
      const chunk = this.sock.recv(min(65536, n - got), left);
      if (chunk === null) { this.lost(what, false); return false; }
      const c = chunk;
      if (c.length == 0) { this.lost(what, true); return false; }
      dst.set(c, off + got);
      got += c.length;
    }
    return true;
  }

  /** The stop for a read that ended early: closed by the peer, or the socket's error. */
  lost(what: string, closed: bool): void {
    this.stop = lostRead(this.sock, what, closed);
  }

  fail(error: string): bool { this.stop = new Stop(STATUS_PROTOCOL_ERROR, error); return false; }
}

/** Reads a u32 length and that much text (a failure reason), capped. */
function readText(r: Reader, deadline: i64, what: string): string | null {
  const len = r.bytes(4, deadline, what);
  if (len === null) return null;
  const n = be32(len, 0);
  if (n > MAX_TEXT) { r.fail(what + " of " + n.toString() + " bytes is over the cap"); return null; }
  const text = r.bytes(<i32>n, deadline, what);
  return text === null ? null : desktopName(text);
}

/** Version and security types; true when None was chosen and the session goes on. */
function handshake(r: Reader, s: Session, timeout: i32): bool {
  const sock = r.sock;
  const v = r.bytes(12, deadlineIn(timeout), "ProtocolVersion");
  if (v === null) return false;
  const mm = parseVersion(v);
  if (mm === null) return r.fail("not an RFB ProtocolVersion");
  s.serverVersion = mm[0].toString() + "." + mm[1].toString();
  if (mm[0] < 3) return r.fail("RFB major version " + mm[0].toString());
  s.minor = chooseMinor(mm[0], mm[1]);
  if (sock.send(versionMessage(s.minor)) < 0) { r.stop = new Stop(statusForError(sock.error), errorName(sock.error)); return false; }

  const deadline = deadlineIn(timeout);
  if (s.minor == 3) {
    // 3.3: the server chooses one type (0 = failure, then a reason)
    const t = r.bytes(4, deadline, "security type");
    if (t === null) return false;
    const type = be32(t, 0);
    if (type > 255) return r.fail("security type " + type.toString());
    s.typesRead = true;
    if (type == 0) {
      const why = readText(r, deadline, "failure reason");
      if (why !== null) s.failure = why;
      return false;
    }
    s.types.push(<i32>type);
    return type == 1;
  }
  const n = r.bytes(1, deadline, "security types");
  if (n === null) return false;
  if (n[0] == 0) {
    s.typesRead = true;
    const why = readText(r, deadline, "failure reason");
    if (why !== null) s.failure = why;
    return false;
  }
  const types = r.bytes(n[0], deadline, "security types");
  if (types === null) return false;
  for (let i = 0; i < types.length; i++) s.types.push(types[i]);
  s.typesRead = true;
  if (!s.noAuth) return false;
  const choice = new Uint8Array(1);
  choice[0] = 1;
  if (sock.send(choice) < 0) { r.stop = new Stop(statusForError(sock.error), errorName(sock.error)); return false; }
  if (s.minor == 8) {
    // 3.8 sends SecurityResult for None too; a failure carries a reason
    const res = r.bytes(4, deadlineIn(timeout), "SecurityResult");
    if (res === null) return false;
    if (be32(res, 0) != 0) {
      const why = readText(r, deadlineIn(timeout), "failure reason");
      s.failure = why !== null ? why : "SecurityResult " + be32(res, 0).toString();
      r.stop = null;
      return false;
    }
  }
  return true;
}

/** ClientInit and ServerInit. */
function init(r: Reader, s: Session, timeout: i32): bool {
  const shared = new Uint8Array(1);
  shared[0] = 1;
  if (r.sock.send(shared) < 0) { r.stop = new Stop(statusForError(r.sock.error), errorName(r.sock.error)); return false; }
  const deadline = deadlineIn(timeout);
  const fixed = r.bytes(SERVER_INIT_FIXED, deadline, "ServerInit");
  if (fixed === null) return false;
  const si = parseServerInit(fixed);
  if (si.nameLength > MAX_NAME) return r.fail("desktop name of " + si.nameLength.toString() + " bytes is over the cap");
  const name = r.bytes(<i32>si.nameLength, deadline, "desktop name");
  if (name === null) return false;
  s.init = si;
  s.name = desktopName(name);
  return true;
}

/** The integer factor that brings a `w`×`h` RGBA PNG under MAX_PNG_BYTES even stored (uncompressed). */
function scaleFor(w: i32, h: i32): i32 {
  let k = 1;
  while (<i64>((w + k - 1) / k) * <i64>((h + k - 1) / k) * 4 + <i64>((h + k - 1) / k) + 1024 > MAX_PNG_BYTES) k++;
  return k;
}

/** Nearest-neighbour: every `k`th pixel of every `k`th row. */
function shrink(rgba: Uint8Array, w: i32, h: i32, k: i32): Uint8Array {
  const ow = (w + k - 1) / k;
  const oh = (h + k - 1) / k;
  const out = new Uint8Array(ow * oh * 4);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const src = ((y * k) * w + x * k) * 4;
      const dst = (y * ow + x) * 4;
      out[dst] = rgba[src]; out[dst + 1] = rgba[src + 1]; out[dst + 2] = rgba[src + 2]; out[dst + 3] = rgba[src + 3];
    }
  }
  return out;
}

/** One full framebuffer update in Raw encoding → RGBA → PNG. False with `r.stop` on a failure. */
function screenshot(r: Reader, s: Session, si: ServerInit, maxBytes: i64, timeout: i32): bool {
  const w = si.width;
  const h = si.height;
  const total = <i64>w * <i64>h * 4;
  if (w == 0 || h == 0) { s.skipped = "empty framebuffer"; return true; }
  if (total > maxBytes) { s.skipped = "framebuffer of " + total.toString() + " bytes is over max_screenshot_bytes (" + maxBytes.toString() + ")"; return true; }
  let fmt = si.format;
  if (!fmt.convertible) {
    fmt = PixelFormat.rgbx();
    if (r.sock.send(setPixelFormat(fmt)) < 0) { r.stop = new Stop(statusForError(r.sock.error), errorName(r.sock.error)); return false; }
  }
  if (r.sock.send(concatBytes(setEncodingsRaw(), updateRequest(w, h))) < 0) { r.stop = new Stop(statusForError(r.sock.error), errorName(r.sock.error)); return false; }

  const deadline = deadlineIn(timeout);
  const rgba = new Uint8Array(<i32>total);
  let read: i64 = 0;
  for (let m = 0; m <= MAX_OTHER_MESSAGES; m++) {
    const t = r.bytes(1, deadline, "framebuffer update");
    if (t === null) return false;
    const type = t[0];
    if (type == 2) continue; // Bell
    if (type == 1) { // SetColourMapEntries: pad, first, count, count × RGB16
      const hdr = r.bytes(5, deadline, "colour map");
      if (hdr === null || r.bytes(be16(hdr, 3) * 6, deadline, "colour map") === null) return false;
      continue;
    }
    if (type == 3) { // ServerCutText: 3 pad, then the text
      if (r.bytes(3, deadline, "cut text") === null || readText(r, deadline, "cut text") === null) return false;
      continue;
    }
    if (type != 0) return r.fail("server message type " + type.toString());
    const hdr = r.bytes(3, deadline, "framebuffer update");
    if (hdr === null) return false;
    const rects = be16(hdr, 1);
    for (let i = 0; i < rects; i++) {
      const rh = r.bytes(12, deadline, "rectangle header");
      if (rh === null) return false;
      const x = be16(rh, 0), y = be16(rh, 2), rw = be16(rh, 4), rhh = be16(rh, 6);
      const enc = <i32>be32(rh, 8);
      if (enc != 0) return r.fail("rectangle encoding " + enc.toString() + " (asked for Raw only)");
      if (x + rw > w || y + rhh > h) return r.fail("rectangle outside the framebuffer");
      const n = rw * rhh * 4;
      read += n;
      if (read > maxBytes) return r.fail("framebuffer update over max_screenshot_bytes");
      const px = new Uint8Array(n);
      if (!r.into(px, 0, n, deadline, "pixel data")) return false;
      blitRgba(rgba, w, x, y, rw, rhh, px, fmt);
    }
    // full size when it compresses under the cap (most screens do); else scaled down until it fits stored
    let png = encodePng(w, h, rgba);
    let k = 1;
    if (<i64>png.length > MAX_PNG_BYTES) {
      k = scaleFor(w, h);
      png = encodePng((w + k - 1) / k, (h + k - 1) / k, shrink(rgba, w, h, k));
    }
    s.pngWidth = (w + k - 1) / k;
    s.pngHeight = (h + k - 1) / k;
    s.png = png;
    return true;
  }
  return r.fail("no framebuffer update among " + MAX_OTHER_MESSAGES.toString() + " server messages");
}

function data(s: Session): MapWriter {
  const m = new MapWriter();
  m.str("server_version", s.serverVersion);
  if (s.minor > 0) m.str("version", "3." + s.minor.toString());
  if (s.typesRead) {
    const a = new ArrayWriter();
    for (let i = 0; i < s.types.length; i++) a.map(new MapWriter().int("id", s.types[i]).str("name", securityName(s.types[i])));
    m.array("security_types", a);
    m.bool("auth_required", !s.noAuth);
  }
  if (s.failure.length > 0) m.str("failure_reason", s.failure);
  const si = s.init;
  if (si !== null) {
    m.str("desktop_name", s.name);
    m.int("width", si.width).int("height", si.height);
    const f = si.format;
    m.map("pixel_format", new MapWriter()
      .int("bits_per_pixel", f.bitsPerPixel).int("depth", f.depth).bool("big_endian", f.bigEndian).bool("true_colour", f.trueColour)
      .int("red_max", f.redMax).int("green_max", f.greenMax).int("blue_max", f.blueMax)
      .int("red_shift", f.redShift).int("green_shift", f.greenShift).int("blue_shift", f.blueShift));
  }
  const png = s.png;
  if (png !== null) {
    m.bin("screenshot", png).str("screenshot_format", "png");
    m.int("screenshot_width", s.pngWidth).int("screenshot_height", s.pngHeight);
  }
  if (s.skipped.length > 0) m.str("screenshot_skipped", s.skipped);
  return m;
}

/** The table's line (A8): version, security, and what an unauthenticated viewer saw. */
function summary(s: Session): string {
  let line = "RFB " + s.serverVersion;
  if (!s.typesRead) return line;
  const names = new Array<string>();
  for (let i = 0; i < s.types.length; i++) names.push(securityName(s.types[i]));
  line += names.length > 0 ? ", security " + names.join("/") : ", no security types";
  if (s.failure.length > 0) line += ", refused: " + s.failure;
  const si = s.init;
  if (si === null) return s.noAuth || s.failure.length > 0 ? line : line + ", auth required";
  line += ", desktop '" + s.name + "', " + si.width.toString() + "x" + si.height.toString();
  if (s.png !== null) line += ", screenshot";
  else if (s.skipped.length > 0) line += ", screenshot skipped";
  return line;
}

function result(s: Session, stop: Stop | null): Output {
  const out = stop === null ? new Output() : Output.fail(stop.status, stop.error);
  if (s.serverVersion.length == 0) return out;
  out.setData(data(s));
  if (stop === null) out.summary = summary(s);
  const svc = new Service("vnc");
  svc.confidence = 1.0;
  svc.extrainfo = "protocol " + s.serverVersion;
  out.service = svc;
  // no finding here: misconfig's vnc-no-auth reads auth_required (plugins-wasm/misconfig/assembly/remote-display-checks.ts)
  return out;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const shoot = input.config.getBool("screenshot", true);
  const maxBytes = input.config.getInt("max_screenshot_bytes", 3145728);
  const s = new Session();

  // every wait ends inside the invocation's wall time, so a slow server still yields a partial result
  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout)));
  if (!sock.ok) return Output.ioFail(sock.error, true);
  const r = new Reader(sock);
  if (handshake(r, s, timeout) && init(r, s, timeout) && shoot) screenshot(r, s, s.init!, maxBytes, timeout);
  sock.close();
  return result(s, r.stop);
}

register(run);
