/**
 * Screenshots in a plugin's result data, as `data:` URLs for an <img>: raw
 * bytes that start with the PNG signature, a `data:image/png;base64,…`
 * string, or base64 PNG as a saved JSONL holds bytes (encode.ts). Only PNG,
 * and only well-formed base64, so a plugin's string cannot become anything
 * but an image source. Each found value is replaced in the data shown as
 * JSON by a short placeholder.
 */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** the signature in base64: what a PNG's base64 always starts with */
const PNG_BASE64 = 'iVBORw0KGgo';
const DATA_URL = 'data:image/png;base64,';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** how deep into the data, and how many images per result */
const MAX_DEPTH = 6;
const MAX_IMAGES = 16;

function pngUrl(v: unknown): string | undefined {
  if (v instanceof Uint8Array) {
    if (v.length <= PNG_SIGNATURE.length || !PNG_SIGNATURE.every((b, i) => v[i] === b)) return undefined;
    return DATA_URL + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  }
  if (typeof v !== 'string') return undefined;
  const b64 = v.startsWith(DATA_URL) ? v.slice(DATA_URL.length) : v;
  return b64.startsWith(PNG_BASE64) && b64.length % 4 === 0 && BASE64.test(b64) ? DATA_URL + b64 : undefined;
}

/** The images in `data`, and `data` with each replaced by `[PNG image, N bytes]`. */
export function extractImages(data: Record<string, unknown>): { images: string[]; rest: Record<string, unknown> } {
  const images: string[] = [];
  const walk = (v: unknown, depth: number): unknown => {
    const url = images.length < MAX_IMAGES ? pngUrl(v) : undefined;
    if (url) {
      images.push(url);
      return `[PNG image, ${Math.floor(((url.length - DATA_URL.length) * 3) / 4)} bytes]`;
    }
    if (depth >= MAX_DEPTH || v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
  };
  const rest = walk(data, 0) as Record<string, unknown>;
  return { images, rest };
}
