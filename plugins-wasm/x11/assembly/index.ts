// x11: a wasmap scanner for X servers on TCP (ports 6000-6010). Opens the
// connection setup with no authorization: a server with access control off
// accepts it and tells vendor, release and screens; then ListExtensions and
// a GetImage of the first root window, returned as a PNG.
import {
  ArrayWriter, Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Service, Socket,
  deadlineIn, encodePng, errorName, invocationDeadline, msUntil, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import { bytesPerLine, zpixmapToRgba } from "./image";
import { Screen, Setup, formatFor, parseExtensions, parseSetup, rd16, rd32, setupLength, setupRequest } from "./setup";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** Events a server may interleave before a reply (none are selected; a bound all the same). */
const MAX_SKIPPED_EVENTS = 16;
/** ListExtensions replies of real servers are about 1 KiB. */
const MAX_EXTENSIONS_BYTES = 65536;

class Reply {
  /** null when the request failed; then `error` (an X error code, or -1 for I/O with `io` set). */
  head: Uint8Array | null = null;
  body: Uint8Array = new Uint8Array(0);
  xError: i32 = 0;
  io: i32 = 0;
  tooBig: bool = false;
}

/** The next reply (32-byte header + 4*length), skipping events; bounded by `maxBody`. */
function readReply(sock: Socket, deadline: i64, maxBody: i32): Reply {
  const r = new Reply();
  for (let i = 0; i <= MAX_SKIPPED_EVENTS; i++) {
    const head = sock.readExactly(32, msUntil(deadline));
    if (head === null) { r.io = sock.error != 0 ? sock.error : -1; return r; }
    if (head[0] == 0) { r.xError = head[1]; return r; }
    if (head[0] != 1) continue;
    const len = <i64>rd32(head, 4) * 4;
    if (len > <i64>maxBody) { r.tooBig = true; return r; }
    const body = sock.readExactly(<i32>len, msUntil(deadline));
    if (body === null) { r.io = sock.error != 0 ? sock.error : -1; return r; }
    r.head = head;
    r.body = body;
    return r;
  }
  r.xError = -1;
  return r;
}

/** X.Org's release number 12101007 as "1.21.1.7"; other vendors' numbers as they are. */
function releaseString(s: Setup): string {
  if (!s.vendor.includes("X.Org")) return s.release.toString();
  const r = s.release;
  let v = (r / 10000000).toString() + "." + ((r / 100000) % 100).toString() + "." + ((r / 1000) % 100).toString();
  if (r % 1000 != 0) v += "." + (r % 1000).toString();
  return v;
}

function product(s: Setup): string { return s.vendor.includes("X.Org") ? "X.Org" : s.vendor; }

function x11Service(s: Setup | null): Service {
  if (s === null || s.status != 1) return Service.of("x11", "", "", 1.0);
  return Service.of("x11", product(s), releaseString(s), 1.0);
}

class Shot {
  png: Uint8Array | null = null;
  width: i32 = 0;
  height: i32 = 0;
  skipped: string = "";
}

/** Most bytes of PNG put in the result (the sandbox's output limit is 1 MiB, the rest of the result included). */
const MAX_PNG_BYTES: i64 = 960000;

/** GetImage of the whole root window of `sc`, as PNG; `skipped` says why not. */
function screenshot(sock: Socket, s: Setup, sc: Screen, maxRaw: i64, deadline: i64): Shot {
  const shot = new Shot();
  const fmt = formatFor(s, sc.depth);
  if (fmt === null) { shot.skipped = "no pixmap format for depth " + sc.depth.toString(); return shot; }
  if (sc.visualClass != 4 && sc.visualClass != 5) { shot.skipped = "root visual is not TrueColor/DirectColor"; return shot; }
  if (fmt.bpp != 16 && fmt.bpp != 24 && fmt.bpp != 32) { shot.skipped = fmt.bpp.toString() + " bits per pixel not supported"; return shot; }
  const w = sc.width, h = sc.height;
  // what GetImage sends (and the RGBA made of it) is known before asking; the PNG's size only once compressed
  const rawSize = <i64>bytesPerLine(w, fmt.bpp, fmt.pad) * h;
  if (rawSize > maxRaw || <i64>w * h * 4 > maxRaw) {
    shot.skipped = w.toString() + "x" + h.toString() + " is over max_screenshot_bytes (" + maxRaw.toString() + ")";
    return shot;
  }
  const req = new Uint8Array(20);
  req[0] = 73; req[1] = 2; req[2] = 5; // GetImage, ZPixmap, 5 words
  for (let i = 0; i < 4; i++) req[4 + i] = <u8>(sc.root >>> (8 * i));
  req[12] = <u8>w; req[13] = <u8>(w >>> 8);
  req[14] = <u8>h; req[15] = <u8>(h >>> 8);
  for (let i = 16; i < 20; i++) req[i] = 0xff; // all planes
  if (sock.send(req) < 0) { shot.skipped = "GetImage: " + errorName(sock.error); return shot; }
  const r = readReply(sock, deadline, <i32>rawSize);
  const head = r.head;
  if (head === null) {
    if (r.tooBig) shot.skipped = "GetImage reply larger than the image";
    else if (r.io != 0) shot.skipped = "GetImage: " + (r.io > 0 ? errorName(r.io) : "connection closed");
    else shot.skipped = "GetImage refused (X error " + r.xError.toString() + ")";
    return shot;
  }
  if (<i64>r.body.length < rawSize) { shot.skipped = "GetImage reply shorter than the image"; return shot; }
  const rgba = zpixmapToRgba(r.body, w, h, fmt.bpp, fmt.pad, s.imageByteOrder == 1, sc.redMask, sc.greenMask, sc.blueMask);
  const png = encodePng(w, h, rgba);
  if (<i64>png.length > MAX_PNG_BYTES) {
    shot.skipped = "PNG of " + png.length.toString() + " bytes is over the result's " + MAX_PNG_BYTES.toString();
    return shot;
  }
  shot.png = png;
  shot.width = w;
  shot.height = h;
  return shot;
}

function screensArray(s: Setup): ArrayWriter {
  const a = new ArrayWriter();
  for (let i = 0; i < s.screens.length; i++) {
    const sc = s.screens[i];
    a.map(new MapWriter().uint("root", sc.root).int("width", sc.width).int("height", sc.height).int("depth", sc.depth));
  }
  return a;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const maxRaw = input.config.getInt("max_screenshot_bytes", 3145728);
  const wantShot = input.config.getBool("screenshot", true);

  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout)));
  if (!sock.ok) return Output.ioFail(sock.error, true);
  if (sock.send(setupRequest()) < 0) return Output.ioFail(sock.error);

  const deadline = deadlineIn(timeout);
  const head = sock.readExactly(8, msUntil(deadline));
  if (head === null) {
    sock.close();
    if (sock.error == 0) return Output.fail(STATUS_PROTOCOL_ERROR, "connection closed before the setup reply");
    return Output.fail(statusForError(sock.error), "setup reply: " + errorName(sock.error));
  }
  if (head[0] > 2 || (head[0] < 2 && rd16(head, 2) != 11)) { sock.close(); return Output.fail(STATUS_PROTOCOL_ERROR, "not an X11 setup reply"); }
  const rest = sock.readExactly(setupLength(head) - 8, msUntil(deadline));
  if (rest === null) { sock.close(); return Output.fail(sock.error == 0 ? STATUS_PROTOCOL_ERROR : statusForError(sock.error), "setup reply cut short"); }
  const whole = new Uint8Array(setupLength(head));
  whole.set(head!, 0);
  whole.set(rest!, 8);
  const setup = parseSetup(whole);
  if (setup === null) { sock.close(); return Output.fail(STATUS_PROTOCOL_ERROR, "malformed X11 setup reply"); }
  const s = setup!;
  const version = s.major.toString() + "." + s.minor.toString();

  const out = new Output();
  out.service = x11Service(s);
  const m = new MapWriter();
  if (s.status != 1) {
    sock.close();
    m.str("status", s.status == 0 ? "failed" : "authenticate");
    if (s.status == 0) m.str("protocol_version", version); // an Authenticate reply has no version
    m.bool("auth_required", true).str("reason", s.reason);
    out.summary = "access control on: " + (s.reason.length > 0 ? s.reason : "refused");
    return out.setData(m);
  }

  // ListExtensions: opcode 99, one word
  const list = new Uint8Array(4);
  list[0] = 99; list[2] = 1;
  let extensions = new Array<string>();
  let note = "";
  if (sock.send(list) < 0) note = "ListExtensions: " + errorName(sock.error);
  else {
    const r = readReply(sock, deadline, MAX_EXTENSIONS_BYTES);
    const rh = r.head;
    if (rh !== null) extensions = parseExtensions(r.body, rh[1]);
    else note = r.io != 0 ? "ListExtensions: no reply" : "ListExtensions refused";
  }

  let shot = new Shot();
  if (s.screens.length == 0) shot.skipped = "no screens";
  else if (!wantShot) shot.skipped = "screenshot off in config";
  else if (note.length > 0) shot.skipped = note;
  // GetImage may take what is left of the invocation: big screens are slow to send
  else shot = screenshot(sock, s, s.screens[0], maxRaw, invocationDeadline());
  sock.close();

  m.str("status", "success").str("protocol_version", version).bool("auth_required", false)
    .str("vendor", s.vendor).uint("release", s.release).str("version", releaseString(s))
    .array("screens", screensArray(s)).strArray("extensions", extensions);
  const png = shot.png;
  if (png !== null) {
    m.bin("screenshot", png).str("screenshot_format", "png").int("screenshot_width", shot.width).int("screenshot_height", shot.height);
  } else m.str("screenshot_skipped", shot.skipped);
  out.setData(m);

  let line = product(s) + " " + releaseString(s) + ", " + s.screens.length.toString() + (s.screens.length == 1 ? " screen" : " screens");
  if (s.screens.length > 0) {
    const sc = s.screens[0];
    line += " " + sc.width.toString() + "x" + sc.height.toString() + "x" + sc.depth.toString();
  }
  line += ", open (no auth)";
  line += png !== null ? ", screenshot " + shot.width.toString() + "x" + shot.height.toString() : ", no screenshot (" + shot.skipped + ")";
  out.summary = line;
  // no finding here: misconfig's x11-open-access reads status and auth_required (plugins-wasm/misconfig/assembly/remote-display-checks.ts)
  return out;
}

register(run);
