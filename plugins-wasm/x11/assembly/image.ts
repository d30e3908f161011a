// ZPixmap (GetImage format 2) to RGBA for the PNG encoder: any TrueColor or
// DirectColor visual of 16, 24 or 32 bits per pixel, in the server's byte order.

function shiftOf(mask: u32): i32 { return mask == 0 ? 0 : <i32>ctz(mask); }
function widthOf(mask: u32): i32 { return mask == 0 ? 0 : <i32>popcnt(mask); }

/** One channel scaled to 8 bits. */
function channel(p: u32, mask: u32, shift: i32, width: i32): u8 {
  if (width == 0) return 0;
  const v = (p & mask) >>> shift;
  if (width >= 8) return <u8>(v >>> (width - 8));
  const max = (1 << width) - 1;
  return <u8>((v * 255 + (max >> 1)) / max);
}

/** Bytes per scanline: width*bpp bits rounded up to `padBits`. */
export function bytesPerLine(width: i32, bpp: i32, padBits: i32): i32 {
  const bits = width * bpp;
  const pad = padBits > 0 ? padBits : 32;
  return ((bits + pad - 1) / pad) * (pad / 8);
}

/** RGBA (alpha 255) of a `width`×`height` ZPixmap; `bpp` must be 16, 24 or 32. */
export function zpixmapToRgba(
  data: Uint8Array, width: i32, height: i32, bpp: i32, padBits: i32, msbFirst: bool,
  redMask: u32, greenMask: u32, blueMask: u32,
): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  const line = bytesPerLine(width, bpp, padBits);
  const bytes = bpp / 8;
  const rs = shiftOf(redMask), rw = widthOf(redMask);
  const gs = shiftOf(greenMask), gw = widthOf(greenMask);
  const bs = shiftOf(blueMask), bw = widthOf(blueMask);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let at = y * line;
    for (let x = 0; x < width; x++) {
      let p: u32 = 0;
      if (msbFirst) for (let k = 0; k < bytes; k++) p = (p << 8) | data[at + k];
      else for (let k = bytes - 1; k >= 0; k--) p = (p << 8) | data[at + k];
      out[o] = channel(p, redMask, rs, rw);
      out[o + 1] = channel(p, greenMask, gs, gw);
      out[o + 2] = channel(p, blueMask, bs, bw);
      out[o + 3] = 255;
      o += 4;
      at += bytes;
    }
  }
  return out;
}
