// RFB (RFC 6143, and 3.3/3.7 from the RealVNC spec): pure functions over
// bytes for the messages this plugin reads and sends. Nothing here reads
// past the array it is given.
import { latin1 } from "@wasmap/sdk-assemblyscript";

/** Big-endian u16/u32 at `at`; the caller checks the length. */
export function be16(b: Uint8Array, at: i32): i32 { return (<i32>b[at] << 8) | b[at + 1]; }
export function be32(b: Uint8Array, at: i32): u32 { return (<u32>b[at] << 24) | (<u32>b[at + 1] << 16) | (<u32>b[at + 2] << 8) | b[at + 3]; }

/** "RFB xxx.yyy\n" → [major, minor], or null when it is not a ProtocolVersion. */
export function parseVersion(b: Uint8Array): i32[] | null {
  if (b.length != 12 || b[0] != 0x52 || b[1] != 0x46 || b[2] != 0x42 || b[3] != 0x20 || b[7] != 0x2e || b[11] != 0x0a) return null;
  let major = 0;
  let minor = 0;
  for (let i = 4; i < 11; i++) {
    if (i == 7) continue;
    const c = <i32>b[i] - 0x30;
    if (c < 0 || c > 9) return null;
    if (i < 7) major = major * 10 + c; else minor = minor * 10 + c;
  }
  return [major, minor];
}

/**
 * The minor version (3, 7 or 8) to answer with: the highest both speak.
 * Later majors (RealVNC's 4.x/5.x) and odd minors above 8 (Apple's 3.889)
 * accept 3.8; unknown minors below it are 3.3 (RFC 6143 §7.1.1).
 */
export function chooseMinor(major: i32, minor: i32): i32 {
  if (major > 3 || minor >= 8) return 8;
  return minor == 7 ? 7 : 3;
}

/** "RFB 003.00m\n". */
export function versionMessage(minor: i32): Uint8Array {
  const s = "RFB 003.00" + minor.toString() + "\n";
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** IANA "RFB Security Types" name, or "type N". */
export function securityName(t: i32): string {
  switch (t) {
    case 0: return "Invalid";
    case 1: return "None";
    case 2: return "VNC Authentication";
    case 5: return "RA2";
    case 6: return "RA2ne";
    case 16: return "Tight";
    case 17: return "Ultra";
    case 18: return "TLS";
    case 19: return "VeNCrypt";
    case 20: return "GTK-VNC SASL";
    case 21: return "MD5 hash authentication";
    case 22: return "Colin Dean xvp";
    case 23: return "Secure Tunnel";
    case 24: return "Integrated SSH";
    case 30: return "Apple Remote Desktop";
    case 113: return "MSLogonII";
    case 129: return "Unix Login";
    case 130: return "External";
    default: return "type " + t.toString();
  }
}

/** The PIXEL_FORMAT structure (§7.4). */
export class PixelFormat {
  bitsPerPixel: i32 = 0;
  depth: i32 = 0;
  bigEndian: bool = false;
  trueColour: bool = false;
  redMax: i32 = 0;
  greenMax: i32 = 0;
  blueMax: i32 = 0;
  redShift: i32 = 0;
  greenShift: i32 = 0;
  blueShift: i32 = 0;

  static read(b: Uint8Array, at: i32): PixelFormat {
    const p = new PixelFormat();
    p.bitsPerPixel = b[at];
    p.depth = b[at + 1];
    p.bigEndian = b[at + 2] != 0;
    p.trueColour = b[at + 3] != 0;
    p.redMax = be16(b, at + 4);
    p.greenMax = be16(b, at + 6);
    p.blueMax = be16(b, at + 8);
    p.redShift = b[at + 10];
    p.greenShift = b[at + 11];
    p.blueShift = b[at + 12];
    return p;
  }

  /** 32 bpp true colour, little-endian, red in the low byte: each pixel arrives as R, G, B, pad. */
  static rgbx(): PixelFormat {
    const p = new PixelFormat();
    p.bitsPerPixel = 32;
    p.depth = 24;
    p.trueColour = true;
    p.redMax = 255;
    p.greenMax = 255;
    p.blueMax = 255;
    p.greenShift = 8;
    p.blueShift = 16;
    return p;
  }

  /** What `rgba` can convert: 32 bpp true colour with channels inside the pixel. */
  get convertible(): bool {
    return this.bitsPerPixel == 32 && this.trueColour && this.redMax > 0 && this.greenMax > 0 && this.blueMax > 0
      && this.redShift < 32 && this.greenShift < 32 && this.blueShift < 32;
  }

  write(b: Uint8Array, at: i32): void {
    b[at] = <u8>this.bitsPerPixel;
    b[at + 1] = <u8>this.depth;
    b[at + 2] = this.bigEndian ? 1 : 0;
    b[at + 3] = this.trueColour ? 1 : 0;
    b[at + 4] = <u8>(this.redMax >> 8); b[at + 5] = <u8>this.redMax;
    b[at + 6] = <u8>(this.greenMax >> 8); b[at + 7] = <u8>this.greenMax;
    b[at + 8] = <u8>(this.blueMax >> 8); b[at + 9] = <u8>this.blueMax;
    b[at + 10] = <u8>this.redShift;
    b[at + 11] = <u8>this.greenShift;
    b[at + 12] = <u8>this.blueShift;
  }
}

/** ServerInit (§7.3.2) without the name: width, height, pixel format, name length. */
export const SERVER_INIT_FIXED: i32 = 24;

/** Longest desktop name read; a longer one is a protocol-error, not an allocation. */
export const MAX_NAME: u32 = 4096;

export class ServerInit {
  width: i32 = 0;
  height: i32 = 0;
  format: PixelFormat = new PixelFormat();
  nameLength: u32 = 0;
}

export function parseServerInit(b: Uint8Array): ServerInit {
  const s = new ServerInit();
  s.width = be16(b, 0);
  s.height = be16(b, 2);
  s.format = PixelFormat.read(b, 4);
  s.nameLength = be32(b, 20);
  return s;
}

export function desktopName(b: Uint8Array): string { return latin1(b); }

/** SetPixelFormat (type 0, §7.5.1). */
export function setPixelFormat(p: PixelFormat): Uint8Array {
  const b = new Uint8Array(20);
  p.write(b, 4);
  return b;
}

/** SetEncodings (type 2, §7.5.2) with Raw (0) only. */
export function setEncodingsRaw(): Uint8Array {
  const b = new Uint8Array(8);
  b[0] = 2;
  b[3] = 1; // one encoding, value 0
  return b;
}

/** FramebufferUpdateRequest (type 3, §7.5.3), not incremental, for the whole screen. */
export function updateRequest(width: i32, height: i32): Uint8Array {
  const b = new Uint8Array(10);
  b[0] = 3;
  b[6] = <u8>(width >> 8); b[7] = <u8>width;
  b[8] = <u8>(height >> 8); b[9] = <u8>height;
  return b;
}

/**
 * Copies a `w`×`h` Raw rectangle (`px`, 4 bytes a pixel in format `p`) into
 * the RGBA image `rgba` of width `width` at (`x`, `y`); the caller has
 * checked that the rectangle lies inside the image.
 */
export function blitRgba(rgba: Uint8Array, width: i32, x: i32, y: i32, w: i32, h: i32, px: Uint8Array, p: PixelFormat): void {
  for (let row = 0; row < h; row++) {
    let src = row * w * 4;
    let dst = ((y + row) * width + x) * 4;
    for (let col = 0; col < w; col++) {
      const v: u32 = p.bigEndian
        ? (<u32>px[src] << 24) | (<u32>px[src + 1] << 16) | (<u32>px[src + 2] << 8) | px[src + 3]
        : (<u32>px[src + 3] << 24) | (<u32>px[src + 2] << 16) | (<u32>px[src + 1] << 8) | px[src];
      rgba[dst] = scale((v >> p.redShift) & <u32>p.redMax, p.redMax);
      rgba[dst + 1] = scale((v >> p.greenShift) & <u32>p.greenMax, p.greenMax);
      rgba[dst + 2] = scale((v >> p.blueShift) & <u32>p.blueMax, p.blueMax);
      rgba[dst + 3] = 255;
      src += 4;
      dst += 4;
    }
  }
}

function scale(v: u32, max: i32): u8 {
  return max == 255 ? <u8>v : <u8>((v * 255 + (<u32>max >> 1)) / <u32>max);
}
