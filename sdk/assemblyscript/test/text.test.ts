// The SDK's lenient UTF-8 decoder and base64 called in-process
// (test/support/as-unit.ts), checked against Node's TextDecoder and Buffer.
//   npx vitest run sdk/assemblyscript/test/text.test.ts
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useUnit, type Ptr } from '../../../test/support/as-unit.js';

interface TextUnit {
  utf8(b: Ptr, start: number, end: number): Ptr;
  b64encode(b: Ptr): Ptr;
  b64decode(s: Ptr): Ptr;
}

const u = useUnit<TextUnit>(join(fileURLToPath(new URL('.', import.meta.url)), 'unit', 'text'));

const utf8 = (b: Uint8Array, start = 0, end = b.length): string => u.getStr(u.fn.utf8(u.bytes(b), start, end));
// the WHATWG decoder replaces each maximal bad subpart; the SDK replaces each bad byte, so only
// inputs whose bad sequences are single bytes (or well-formed text) compare one to one
const whatwg = new TextDecoder('utf-8', { fatal: false });

describe('the AssemblyScript SDK text helpers', () => {
  it('decodes well-formed UTF-8 as Node does, over any byte range', () => {
    const text = 'plain ascii, é, ✓, 😀, 中文, \u0000 and \u{10ffff}';
    const b = Buffer.from(text);
    expect(utf8(b)).toBe(text);
    expect(utf8(b, 7, 12)).toBe(b.subarray(7, 12).toString());
  });

  it('turns each byte that starts no well-formed sequence into U+FFFD and goes on', () => {
    const cases: [number[], string][] = [
      [[0x61, 0xff, 0x62], 'a\ufffdb'],
      [[0xc3], '\ufffd'], // cut two-byte sequence
      [[0xc0, 0x80], '\ufffd\ufffd'], // overlong NUL
      [[0xed, 0xa0, 0x80], '\ufffd\ufffd\ufffd'], // a surrogate
      [[0xf4, 0x90, 0x80, 0x80], '\ufffd\ufffd\ufffd\ufffd'], // above U+10FFFF
      [[0x4c, 0x69, 0x6e, 0xff, 0xc3, 0x75, 0x78], 'Lin\ufffd\ufffdux'],
    ];
    for (const [bytes, want] of cases) expect(utf8(new Uint8Array(bytes)), Buffer.from(bytes).toString('hex')).toBe(want);
    for (const bytes of [[0x61, 0xff, 0x62], [0x80, 0x80], [0xfe, 0x41]]) expect(utf8(new Uint8Array(bytes))).toBe(whatwg.decode(new Uint8Array(bytes)));
  });

  it('encodes base64 as Buffer does for every length from 0 to 100', () => {
    const data = randomBytes(100);
    for (let n = 0; n <= 100; n++) expect(u.getStr(u.fn.b64encode(u.bytes(data.subarray(0, n)))), `${n} bytes`).toBe(data.subarray(0, n).toString('base64'));
  });

  it('decodes padded and unpadded base64 back to the same bytes', () => {
    const data = randomBytes(100);
    for (let n = 0; n <= 100; n++) {
      const b64 = data.subarray(0, n).toString('base64');
      const want = data.subarray(0, n).toString('hex');
      expect(Buffer.from(u.getBytes(u.fn.b64decode(u.str(b64)))!).toString('hex')).toBe(want);
      expect(Buffer.from(u.getBytes(u.fn.b64decode(u.str(b64.replace(/=+$/, ''))))!).toString('hex')).toBe(want);
    }
    u.collect();
  });

  it('refuses base64 with another alphabet, misplaced padding or an impossible length', () => {
    for (const bad of ['YQ=', 'Y===', 'YWJj-A==', 'YW_j', 'Y', 'YQ==YQ==', 'YW Jj', 'YWJ\u00e9']) {
      expect(u.getBytes(u.fn.b64decode(u.str(bad))), JSON.stringify(bad)).toBeNull();
    }
  });
});
