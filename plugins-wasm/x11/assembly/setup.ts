// X11 connection setup (X Window System Protocol, "Connection Setup"): the
// request we send and the reply parsed, all little-endian since we open with 'l'.
import { latin1 } from "@wasmap/sdk-assemblyscript";

/** Setup request: byte order 'l', protocol 11.0, no authorization. */
export function setupRequest(): Uint8Array {
  const b = new Uint8Array(12);
  b[0] = 0x6c;
  b[2] = 11;
  return b;
}

export function rd16(b: Uint8Array, at: i32): i32 { return <i32>b[at] | (<i32>b[at + 1] << 8); }
export function rd32(b: Uint8Array, at: i32): u32 { return <u32>b[at] | (<u32>b[at + 1] << 8) | (<u32>b[at + 2] << 16) | (<u32>b[at + 3] << 24); }

export class PixFormat {
  constructor(public depth: i32, public bpp: i32, public pad: i32) {}
}

export class Screen {
  root: u32 = 0;
  width: i32 = 0;
  height: i32 = 0;
  depth: i32 = 0;
  rootVisual: u32 = 0;
  /** The root visual's class (4 TrueColor, 5 DirectColor) and masks; class -1 when not found. */
  visualClass: i32 = -1;
  redMask: u32 = 0;
  greenMask: u32 = 0;
  blueMask: u32 = 0;
}

export class Setup {
  /** 0 failed, 1 success, 2 authenticate (status byte). */
  status: i32 = 0;
  major: i32 = 0;
  minor: i32 = 0;
  reason: string = "";
  release: u32 = 0;
  vendor: string = "";
  /** 0 LSBFirst, 1 MSBFirst. */
  imageByteOrder: i32 = 0;
  formats: Array<PixFormat> = [];
  screens: Array<Screen> = [];
}

/** Bytes the whole setup reply takes, from its 8-byte header. */
export function setupLength(head: Uint8Array): i32 { return 8 + 4 * rd16(head, 6); }

/** Parses a whole setup reply (`setupLength` bytes); null when a length inside it runs past the end. */
export function parseSetup(b: Uint8Array): Setup | null {
  const s = new Setup();
  s.status = b[0];
  s.major = rd16(b, 2);
  s.minor = rd16(b, 4);
  if (s.status == 0) {
    const n = <i32>b[1];
    if (8 + n > b.length) return null;
    s.reason = latin1(b, 8, 8 + n).trimEnd(); // Xorg ends it with "\n"
    return s;
  }
  if (s.status != 1) {
    // Authenticate: the reason is the padded rest
    let end = b.length;
    while (end > 8 && b[end - 1] == 0) end--;
    s.reason = latin1(b, 8, end).trimEnd();
    return s;
  }
  if (b.length < 40) return null;
  s.release = rd32(b, 8);
  const vlen = rd16(b, 24);
  const nScreens = <i32>b[28];
  const nFormats = <i32>b[29];
  s.imageByteOrder = b[30];
  let at = 40;
  if (at + vlen > b.length) return null;
  s.vendor = latin1(b, at, at + vlen);
  at += (vlen + 3) & ~3;
  if (at + 8 * nFormats > b.length) return null;
  for (let i = 0; i < nFormats; i++) {
    s.formats.push(new PixFormat(b[at], b[at + 1], b[at + 2]));
    at += 8;
  }
  for (let i = 0; i < nScreens; i++) {
    if (at + 40 > b.length) return null;
    const sc = new Screen();
    sc.root = rd32(b, at);
    sc.width = rd16(b, at + 20);
    sc.height = rd16(b, at + 22);
    sc.rootVisual = rd32(b, at + 32);
    sc.depth = b[at + 38];
    const nDepths = <i32>b[at + 39];
    at += 40;
    for (let d = 0; d < nDepths; d++) {
      if (at + 8 > b.length) return null;
      const nVisuals = rd16(b, at + 2);
      at += 8;
      if (at + 24 * nVisuals > b.length) return null;
      for (let v = 0; v < nVisuals; v++) {
        if (rd32(b, at) == sc.rootVisual) {
          sc.visualClass = b[at + 4];
          sc.redMask = rd32(b, at + 8);
          sc.greenMask = rd32(b, at + 12);
          sc.blueMask = rd32(b, at + 16);
        }
        at += 24;
      }
    }
    s.screens.push(sc);
  }
  return s;
}

/** The pixmap format for `depth`, or null. */
export function formatFor(s: Setup, depth: i32): PixFormat | null {
  for (let i = 0; i < s.formats.length; i++) if (s.formats[i].depth == depth) return s.formats[i];
  return null;
}

/** The names of a ListExtensions reply body (STRs: length byte then name). */
export function parseExtensions(body: Uint8Array, count: i32): Array<string> {
  const out = new Array<string>();
  let at = 0;
  for (let i = 0; i < count && at < body.length; i++) {
    const n = <i32>body[at];
    if (at + 1 + n > body.length) break;
    out.push(latin1(body, at + 1, at + 1 + n));
    at += 1 + n;
  }
  return out;
}
