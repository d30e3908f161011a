// PNG encoder for screenshots (vnc, x11): 8-bit RGBA, one IDAT holding a zlib
// stream of stored deflate blocks. No compression: plugins stay small and
// fast, and the report only needs bytes any decoder reads.

const CRC_TABLE = new StaticArray<u32>(256);
let crcReady = false;

function crcTable(): StaticArray<u32> {
  if (!crcReady) {
    for (let n: u32 = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c;
    }
    crcReady = true;
  }
  return CRC_TABLE;
}

/** CRC-32 (ISO 3309, as PNG chunks carry it) of `data[start, end)`. */
export function crc32(data: Uint8Array, start: i32 = 0, end: i32 = -1): u32 {
  const t = crcTable();
  const stop = end < 0 ? data.length : end;
  let c: u32 = 0xffffffff;
  for (let i = start; i < stop; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return c ^ 0xffffffff;
}

/** Adler-32 (RFC 1950) of `data`. */
export function adler32(data: Uint8Array): u32 {
  let a: u32 = 1, b: u32 = 0;
  let i = 0;
  const n = data.length;
  while (i < n) {
    // 5552 bytes keep b below 2^32 before the modulo (zlib's NMAX).
    const stop = min(i + 5552, n);
    for (; i < stop; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return (b << 16) | a;
}

function put32(out: Uint8Array, at: i32, v: u32): void {
  out[at] = <u8>(v >>> 24);
  out[at + 1] = <u8>(v >>> 16);
  out[at + 2] = <u8>(v >>> 8);
  out[at + 3] = <u8>v;
}

/** Writes one chunk (length, type, data, CRC) at `at`; returns the offset after it. */
function putChunk(out: Uint8Array, at: i32, type: string, data: Uint8Array): i32 {
  put32(out, at, <u32>data.length);
  for (let i = 0; i < 4; i++) out[at + 4 + i] = <u8>type.charCodeAt(i);
  out.set(data, at + 8);
  put32(out, at + 8 + data.length, crc32(out, at + 4, at + 8 + data.length));
  return at + 12 + data.length;
}

const STORED_MAX: i32 = 65535;

/** A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4) around `raw`. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = raw.length == 0 ? 1 : (raw.length + STORED_MAX - 1) / STORED_MAX;
  const out = new Uint8Array(2 + blocks * 5 + raw.length + 4);
  out[0] = 0x78; // CM 8, 32 KiB window
  out[1] = 0x01; // FCHECK: 0x7801 % 31 == 0, no dictionary, fastest
  let at = 2;
  let pos = 0;
  for (let b = 0; b < blocks; b++) {
    const len = min(STORED_MAX, raw.length - pos);
    out[at] = b == blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00
    out[at + 1] = <u8>len;
    out[at + 2] = <u8>(len >>> 8);
    out[at + 3] = <u8>~len;
    out[at + 4] = <u8>(~len >>> 8);
    out.set(raw.subarray(pos, pos + len), at + 5);
    at += 5 + len;
    pos += len;
  }
  put32(out, at, adler32(raw));
  return out;
}

/**
 * A PNG of `width`×`height` 8-bit RGBA pixels (`rgba` holds width*height*4
 * bytes, rows top to bottom; colour type 6, filter 0 on every row).
 */
export function encodePng(width: i32, height: i32, rgba: Uint8Array): Uint8Array {
  const stride = width * 4;
  if (width <= 0 || height <= 0 || rgba.length < stride * height) throw new Error("encodePng: pixel buffer smaller than width*height*4");
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    raw[row] = 0; // filter: none
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), row + 1);
  }
  const idat = zlibStored(raw);

  const ihdr = new Uint8Array(13);
  put32(ihdr, 0, <u32>width);
  put32(ihdr, 4, <u32>height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  // compression, filter method, interlace: all 0

  const out = new Uint8Array(8 + 25 + 12 + idat.length + 12);
  const sig: StaticArray<u8> = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let i = 0; i < 8; i++) out[i] = sig[i];
  let at = putChunk(out, 8, "IHDR", ihdr);
  at = putChunk(out, at, "IDAT", idat);
  putChunk(out, at, "IEND", new Uint8Array(0));
  return out;
}
