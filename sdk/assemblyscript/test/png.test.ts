// The SDK's PNG encoder called in-process (test/support/as-unit.ts), decoded
// here by hand with node:zlib: chunk CRCs, IHDR, and every pixel back. The
// deflate data (fixed Huffman over LZ77, or stored when that is not smaller)
// is read by zlib's own inflate, which refuses a bad code, a distance past
// the 32 KiB window, and a wrong adler32.
//   npx vitest run sdk/assemblyscript/test/png.test.ts
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useUnit, type Ptr } from '../../../test/support/as-unit.js';

interface PngUnit {
  encodePng(width: number, height: number, rgba: Ptr): Ptr;
}

const u = useUnit<PngUnit>(join(fileURLToPath(new URL('.', import.meta.url)), 'unit', 'png'));

interface Decoded {
  width: number;
  height: number;
  rgba: Buffer;
  chunks: string[];
}

/** A strict decoder for what encodePng writes: checks the signature and every CRC. */
function decode(png: Buffer): Decoded {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  let at = 8;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const data = png.subarray(at + 8, at + 8 + len);
    expect(png.readUInt32BE(at + 8 + len), `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    chunks.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  expect(at).toBe(png.length);
  if (ihdr === undefined) throw new Error('no IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([...ihdr.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
  // inflateSync checks the zlib header and the adler32 trailer
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((width * 4 + 1) * height);
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    expect(raw[row], `filter byte of row ${y}`).toBe(0);
    raw.copy(rgba, y * width * 4, row + 1, row + 1 + width * 4);
  }
  return { width, height, rgba, chunks };
}

function encode(width: number, height: number, rgba: Buffer): Buffer {
  return Buffer.from(u.getBytes(u.fn.encodePng(width, height, u.bytes(rgba)))!);
}

describe('the AssemblyScript SDK PNG encoder', () => {
  it('round-trips a 1x1 pixel', () => {
    const px = Buffer.from([0x12, 0x34, 0x56, 0x78]);
    const d = decode(encode(1, 1, px));
    expect(d).toMatchObject({ width: 1, height: 1, chunks: ['IHDR', 'IDAT', 'IEND'] });
    expect(d.rgba.equals(px)).toBe(true);
    u.collect();
  });

  it('compresses a screen-like image (flat areas, rectangles, text-like stripes) to a fraction of its raw size, every pixel back', () => {
    const w = 1024;
    const h = 768;
    const px = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inWindow = x > 100 && x < 700 && y > 80 && y < 500;
        const stripe = inWindow && y % 16 < 9 && (x * 7 + y * 3) % 11 < 5; // "text"
        const rgb = y < 24 ? [0x30, 0x30, 0x38] : stripe ? [0, 0, 0] : inWindow ? [0xf0, 0xf0, 0xf0] : [0x33, 0x66, 0x99];
        px.set([...rgb, 0xff], (y * w + x) * 4);
      }
    }
    const png = encode(w, h, px);
    const d = decode(png);
    expect([d.width, d.height]).toEqual([w, h]);
    expect(d.rgba.equals(px)).toBe(true);
    // stored, this is 3,146,520 bytes: past the sandbox's 1 MiB output, which the compressed one fits many times over
    expect(png.length).toBeLessThan(px.length / 20);
    u.collect();
  });

  it('round-trips data built of copies at every length 3..258 and distance 1..32768, and rows one window apart', () => {
    // a random stream where most bytes repeat an earlier stretch: exercises every length and distance code and its extra bits
    let seed = 12345;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const px = Buffer.alloc(256 * 512 * 4);
    let at = 0;
    while (at < px.length) {
      if (at < 64 || rnd(4) === 0) { px[at++] = rnd(256); continue; }
      const dist = 1 + (rnd(2) ? rnd(Math.min(at, 32768)) : rnd(Math.min(at, 16)));
      const len = Math.min(3 + rnd(300), px.length - at);
      for (let i = 0; i < len; i++, at++) px[at] = px[at - dist]!;
    }
    const png = encode(256, 512, px);
    expect(png.length, 'compressed, not stored').toBeLessThan(px.length * 0.6);
    const d = decode(png);
    expect(d.rgba.equals(px)).toBe(true);
    u.collect();
    // identical rows whose distance (stride + filter byte) is just inside and just past the window
    for (const w of [8191, 8192]) {
      const row = randomBytes(w * 4);
      const img = Buffer.concat([row, row, row]);
      const png = encode(w, 3, img);
      expect(decode(png).rgba.equals(img), `rows of ${w} pixels`).toBe(true);
      if (w === 8191) expect(png.length, 'a repeated row within the window is a match').toBeLessThan(w * 4 * 1.2 + 1000);
      u.collect();
    }
  });

  it('round-trips random pixels across several stored blocks (320x200 is 256,200 raw bytes), never larger than stored', () => {
    for (const [w, h] of [[320, 200], [16383, 1], [7, 9363]] as const) {
      const px = randomBytes(w * h * 4);
      const d = decode(encode(w, h, px));
      expect([d.width, d.height]).toEqual([w, h]);
      expect(d.rgba.equals(px), `${w}x${h} pixels`).toBe(true);
      const blocks = Math.ceil(((w * 4 + 1) * h) / 65535);
      expect(encode(w, h, px).length, 'incompressible: stored blocks').toBe(8 + 25 + 12 + 2 + blocks * 5 + (w * 4 + 1) * h + 4 + 12);
      u.collect();
    }
  });
});
