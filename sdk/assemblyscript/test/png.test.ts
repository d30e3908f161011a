// The SDK's PNG encoder called in-process (test/support/as-unit.ts), decoded
// here by hand with node:zlib: chunk CRCs, IHDR, and every pixel back.
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

  it('round-trips random pixels across several stored blocks (320x200 is 256,200 raw bytes)', () => {
    for (const [w, h] of [[320, 200], [16383, 1], [7, 9363]] as const) {
      const px = randomBytes(w * h * 4);
      const d = decode(encode(w, h, px));
      expect([d.width, d.height]).toEqual([w, h]);
      expect(d.rgba.equals(px), `${w}x${h} pixels`).toBe(true);
      u.collect();
    }
  });
});
