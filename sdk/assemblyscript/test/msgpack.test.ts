// The SDK's msgpack reader and writer called in-process (test/support/as-unit.ts),
// with msgpackr as the independent encoder and decoder on the other side.
//   npx vitest run sdk/assemblyscript/test/msgpack.test.ts
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { useUnit, type Ptr } from '../../../test/support/as-unit.js';

interface MsgpackUnit {
  echo(doc: Ptr): Ptr;
  check(doc: Ptr, maxDepth: number, maxItems: number): Ptr;
  prefixes(doc: Ptr): Ptr;
  encodeInt(v: bigint): Ptr;
  encodeUint(v: bigint): Ptr;
  encodeFloat(v: number): Ptr;
  encodeStr(s: Ptr): Ptr;
  encodeBin(b: Ptr): Ptr;
  encodeHeaders(n: number): Ptr;
  built(): Ptr;
}

// the host's settings (src/sandbox/msgpack.ts): plain maps, no records
const packr = new Packr({ useRecords: false, variableMapSize: true });
const hex = (b: Uint8Array | null): string => (b === null ? 'null' : Buffer.from(b).toString('hex'));

const u = useUnit<MsgpackUnit>(join(fileURLToPath(new URL('.', import.meta.url)), 'unit', 'msgpack'));

const echo = (doc: Uint8Array): Uint8Array | null => u.getBytes(u.fn.echo(u.bytes(doc)));
const check = (doc: Uint8Array, maxDepth = 32, maxItems = 1 << 20): string => u.getStr(u.fn.check(u.bytes(doc), maxDepth, maxItems));

const VALUES = {
  ints: [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53)],
  floats: [0.5, -1.25, 1e300, 3.141592653589793],
  strs: ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'é✓😀', 'y'.repeat(300), 'z'.repeat(70_000)],
  bins: [new Uint8Array(0), new Uint8Array([0, 255, 1]), new Uint8Array(70_000).fill(7)],
  flags: [true, false, null],
  nested: { a: { b: { c: [1, [2, [3, { d: 'e' }]]] } }, empty: {}, list: [] },
  wide: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])),
};

describe('the AssemblyScript SDK msgpack codec', () => {
  it('decodes and re-encodes every type msgpackr writes into the same value', () => {
    const out = echo(packr.pack(VALUES));
    expect(out).not.toBeNull();
    expect(packr.unpack(out!)).toEqual(VALUES);
  });

  it('writes each integer, string and binary in the smallest encoding, as msgpackr does', () => {
    // msgpackr writes a JS number beyond 32 bits as a float64, so it is the oracle only up to there
    for (const n of VALUES.ints.filter((x) => x >= -(2 ** 31) && x < 2 ** 32))
      expect(hex(u.getBytes(u.fn.encodeInt(BigInt(n)))), `int ${n}`).toBe(hex(packr.pack(n)));
    for (const s of VALUES.strs) expect(hex(u.getBytes(u.fn.encodeStr(u.str(s)))), `str of ${s.length}`).toBe(hex(packr.pack(s)));
    for (const b of [new Uint8Array(0), new Uint8Array(255), new Uint8Array(256), new Uint8Array(65536)])
      expect(hex(u.getBytes(u.fn.encodeBin(u.bytes(b)))), `bin of ${b.length}`).toBe(hex(packr.pack(b)));
    u.collect();
  });

  it('writes the 64-bit extremes, floats and container headers of the msgpack spec', () => {
    expect(hex(u.getBytes(u.fn.encodeInt(2n ** 32n)))).toBe('cf0000000100000000');
    expect(hex(u.getBytes(u.fn.encodeInt(-(2n ** 31n) - 1n)))).toBe('d3ffffffff7fffffff');
    expect(hex(u.getBytes(u.fn.encodeInt(-(2n ** 63n))))).toBe('d38000000000000000');
    expect(hex(u.getBytes(u.fn.encodeInt(2n ** 63n - 1n)))).toBe('cf7fffffffffffffff');
    expect(hex(u.getBytes(u.fn.encodeUint(2n ** 64n - 1n)))).toBe('cfffffffffffffffff');
    expect(hex(u.getBytes(u.fn.encodeFloat(1.5)))).toBe('cb3ff8000000000000');
    expect(hex(u.getBytes(u.fn.encodeHeaders(15)))).toBe('9f8f');
    expect(hex(u.getBytes(u.fn.encodeHeaders(16)))).toBe('dc0010de0010');
    expect(hex(u.getBytes(u.fn.encodeHeaders(70_000)))).toBe('dd00011170df00011170');
  });

  it('builds maps and arrays with MapWriter and ArrayWriter that msgpackr reads back', () => {
    expect(packr.unpack(u.getBytes(u.fn.built())!)).toEqual({
      s: 'ü ✓',
      neg: -5,
      list: [1, 'two', null, true, 0.25, new Uint8Array(2), 2n ** 64n - 1n],
      nested: { names: ['a', 'b'], empty: {} },
      none: [],
    });
  });

  it('refuses every proper prefix of a document as too short, never as a value', () => {
    const doc = packr.pack({ a: 1, b: [1, 'two', { c: new Uint8Array([1, 2, 3]) }], f: 1.5, s: 'x'.repeat(40), n: -100000, big: 2 ** 40 });
    const results = u.getStrings(u.fn.prefixes(u.bytes(doc)));
    expect(results).toHaveLength(doc.length);
    for (const [n, why] of results.entries()) expect(why, `prefix of ${n} bytes`).toMatch(/^(truncated \S+|(map|array) of \d+ (entries|elements) in \d+ bytes) at byte \d+$/);
    expect(check(doc)).toBe('ok');
  });

  it('refuses hostile documents with a reason instead of trapping', () => {
    const deep = new Uint8Array(40).fill(0x91); // [[[[…]]]] 40 deep, then a nil
    const cases: [number[], string][] = [
      [[], 'truncated msgpack at byte 0'],
      [[0xc1], 'reserved msgpack byte 0xc1 at byte 0'],
      [[0xd4, 0x01, 0x00], 'msgpack extension types are not allowed at byte 0'],
      [[0xc7, 0x01, 0x01, 0x00], 'msgpack extension types are not allowed at byte 0'],
      [[0xdb, 0xff, 0xff, 0xff, 0xff, 0x61], 'truncated str at byte 5'],
      [[0xc6, 0x7f, 0xff, 0xff, 0xff], 'truncated bin at byte 5'],
      [[0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0], 'array of 4294967295 elements in 1 bytes at byte 5'],
      [[0xdf, 0xff, 0xff, 0xff, 0xff], 'map of 4294967295 entries in 0 bytes at byte 5'],
      [[...deep, 0xc0], 'msgpack nested deeper than 32 at byte 33'],
      [[0x81, 0xc3, 0x01], 'msgpack map key is not a string or integer at byte 2'],
      [[0xc0, 0xc0], 'trailing bytes after the msgpack value at byte 1'],
      [[0xcb, 0x00, 0x00], 'truncated float64 at byte 1'],
      [[0x82, 0xa1, 0x61, 0x01], 'map of 2 entries in 3 bytes at byte 1'],
      [[0x81, 0xa1, 0x61, 0x01], 'ok'],
    ];
    for (const [doc, why] of cases) expect(check(new Uint8Array(doc)), hex(new Uint8Array(doc))).toBe(why);
  });

  it('holds a document to the depth and item limits it is given', () => {
    const doc = packr.pack([[[1, 2, 3]]]); // depth 3, 6 values
    expect(check(doc, 3, 6)).toBe('ok');
    expect(check(doc, 2, 6)).toMatch(/^msgpack nested deeper than 2 at byte \d+$/);
    expect(check(doc, 3, 5)).toMatch(/^more than 5 msgpack items at byte \d+$/);
  });
});
