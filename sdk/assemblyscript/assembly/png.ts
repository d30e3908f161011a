// PNG encoder for screenshots (vnc, x11): 8-bit RGBA, filter none, one IDAT
// holding a zlib stream. The deflate data is one block of fixed Huffman codes
// (RFC 1951 §3.2.6) over a greedy LZ77 (hash chains, 32 KiB window): a
// screen's flat areas and repeated rows shrink to a few bits per run, with
// no code tables to build. Random pixels would grow by up to 1/8 that way,
// so the smaller of that and stored blocks is kept (and an input that is not
// shrinking 256 KiB in goes stored at once). No row filters: they would help
// gradients and photos, not the flat areas and repeats screens are made of.

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

// RFC 1951 §3.2.5: length codes 257..285 and distance codes 0..29, base and extra bits.
const LEN_BASE: StaticArray<u16> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE: StaticArray<u16> = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

const WINDOW: i32 = 32768;
const MIN_MATCH: i32 = 3;
const MAX_MATCH: i32 = 258;
const HASH_BITS: i32 = 15;
/** Candidates tried per position: enough for screens (runs and repeated rows), bounded for hostile pixels. */
const MAX_CHAIN: i32 = 16;

/** Deflate bits, least significant first, into a buffer sized for the worst case. */
class BitWriter {
  out: Uint8Array;
  at: i32;
  bits: u32 = 0;
  count: i32 = 0;
  constructor(out: Uint8Array, at: i32) { this.out = out; this.at = at; }

  @inline put(value: u32, n: i32): void {
    this.bits |= value << <u32>this.count;
    this.count += n;
    while (this.count >= 8) {
      store<u8>(this.out.dataStart + <usize>this.at, <u8>this.bits); // in bounds: the buffer holds the worst case
      this.at++;
      this.bits >>>= 8;
      this.count -= 8;
    }
  }

  flush(): void {
    if (this.count > 0) this.out[this.at++] = <u8>this.bits;
    this.bits = 0;
    this.count = 0;
  }
}

function reverse(code: u32, n: i32): u32 {
  let r: u32 = 0;
  for (let i = 0; i < n; i++) r |= ((code >>> <u32>i) & 1) << <u32>(n - 1 - i);
  return r;
}

// The fixed code (RFC 1951 §3.2.6), bit-reversed once since Huffman codes go most significant bit first.
const LIT_CODE = new StaticArray<u16>(288);
const LIT_BITS = new StaticArray<u8>(288);
const DIST_CODE = new StaticArray<u8>(30);
/** Length 3..258 → index into LEN_BASE. */
const LEN_INDEX = new StaticArray<u8>(259);
let fixedReady = false;

function fixedTables(): void {
  if (fixedReady) return;
  for (let s = 0; s < 288; s++) {
    const bits = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    const code = s < 144 ? 0x30 + s : s < 256 ? 0x190 + s - 144 : s < 280 ? s - 256 : 0xc0 + s - 280;
    LIT_CODE[s] = <u16>reverse(<u32>code, bits);
    LIT_BITS[s] = <u8>bits;
  }
  for (let d = 0; d < 30; d++) DIST_CODE[d] = <u8>reverse(<u32>d, 5);
  let l = 0;
  for (let len = 3; len <= 258; len++) {
    while (l < 28 && <i32>LEN_BASE[l + 1] <= len) l++;
    LEN_INDEX[len] = <u8>l;
  }
  fixedReady = true;
}

@inline function fixedSymbol(w: BitWriter, sym: i32): void {
  w.put(<u32>unchecked(LIT_CODE[sym]), <i32>unchecked(LIT_BITS[sym]));
}

function fixedMatch(w: BitWriter, len: i32, dist: i32): void {
  const l = <i32>unchecked(LEN_INDEX[len]);
  fixedSymbol(w, 257 + l);
  const le = <i32>unchecked(LEN_EXTRA[l]);
  if (le > 0) w.put(<u32>(len - <i32>unchecked(LEN_BASE[l])), le);
  let d = 29;
  while (<i32>unchecked(DIST_BASE[d]) > dist) d--;
  w.put(<u32>unchecked(DIST_CODE[d]), 5);
  const de = <i32>unchecked(DIST_EXTRA[d]);
  if (de > 0) w.put(<u32>(dist - <i32>unchecked(DIST_BASE[d])), de);
}

@inline function byteAt(src: usize, i: i32): u32 {
  return <u32>load<u8>(src + <usize>i);
}

@inline function hash3(src: usize, p: i32): i32 {
  const v = (byteAt(src, p) << 16) | (byteAt(src, p + 1) << 8) | byteAt(src, p + 2);
  return <i32>((v * 2654435761) >>> (32 - HASH_BITS));
}

/** After this much input, output longer than the input so far means noise: stored blocks it is. */
const GIVE_UP_AFTER: i32 = 262144;

/**
 * A zlib stream of one fixed-Huffman deflate block around `raw`, or null
 * when it would not be smaller than `limit` bytes (or is not getting smaller
 * than the input by GIVE_UP_AFTER bytes in).
 */
function zlibFixed(raw: Uint8Array, limit: i32): Uint8Array | null {
  fixedTables();
  const n = raw.length;
  const src = raw.dataStart;
  // worst case 9 bits a byte (every literal 144..255; a match costs at most that per byte it covers)
  const out = new Uint8Array(2 + <i32>((<i64>n * 9 + 7) / 8) + 8 + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  const w = new BitWriter(out, 2);
  w.put(1, 1); // BFINAL
  w.put(1, 2); // BTYPE 01: fixed codes
  const head = new StaticArray<i32>(1 << HASH_BITS);
  for (let i = 0; i < head.length; i++) unchecked(head[i] = -1);
  const prev = new StaticArray<i32>(WINDOW);
  let p = 0;
  while (p < n) {
    let best = 0;
    let bestDist = 0;
    if (p + MIN_MATCH <= n) {
      const h = hash3(src, p);
      let cand = unchecked(head[h]);
      const most = min(MAX_MATCH, n - p);
      for (let chain = 0; chain < MAX_CHAIN && cand >= 0 && p - cand <= WINDOW; chain++) {
        // the byte past the best so far must match, else this candidate cannot beat it
        if (byteAt(src, cand + best) == byteAt(src, p + best)) {
          let len = 0;
          while (len < most && byteAt(src, cand + len) == byteAt(src, p + len)) len++;
          if (len > best) { best = len; bestDist = p - cand; if (len == most) break; }
        }
        const next = unchecked(prev[cand & (WINDOW - 1)]);
        if (next >= cand) break; // never walk forward
        cand = next;
      }
      unchecked(prev[p & (WINDOW - 1)] = head[h]);
      unchecked(head[h] = p);
    }
    if (best >= MIN_MATCH) {
      fixedMatch(w, best, bestDist);
      // the covered positions join the chains too, so the next rows find them
      const end = p + best;
      const last = min(end, n - MIN_MATCH + 1);
      for (let q = p + 1; q < last; q++) {
        const h = hash3(src, q);
        unchecked(prev[q & (WINDOW - 1)] = head[h]);
        unchecked(head[h] = q);
      }
      p = end;
    } else {
      fixedSymbol(w, <i32>byteAt(src, p));
      p++;
    }
    if (w.at > limit || (p >= GIVE_UP_AFTER && w.at > p)) return null;
  }
  fixedSymbol(w, 256); // end of block
  w.flush();
  put32(out, w.at, adler32(raw));
  const size = w.at + 4;
  return size < limit ? out.subarray(0, size) : null;
}

/**
 * A PNG of `width`×`height` 8-bit RGBA pixels (`rgba` holds width*height*4
 * bytes, rows top to bottom; colour type 6, filter 0 on every row), deflated
 * as the file comment says.
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
  const blocks = raw.length == 0 ? 1 : (raw.length + STORED_MAX - 1) / STORED_MAX;
  const compressed = zlibFixed(raw, 2 + blocks * 5 + raw.length + 4);
  const idat = compressed !== null ? compressed : zlibStored(raw);

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
