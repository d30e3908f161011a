import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeBounded, encode, MsgpackError } from '../../src/sandbox/msgpack.js';

const bounds = { maxBytes: 1 << 16, maxDepth: 8, maxItems: 1000 };

describe('bounded msgpack decoding of plugin output', () => {
  const sample = pack({ status: 'success', data: { list: [1, -2, 3.5, 'x', null, true], bin: Buffer.from([1, 2, 3]) }, n: 2 ** 40 });

  it('decodes standard msgpack, bin as bytes', () => {
    const v = decodeBounded(sample, bounds) as { data: { bin: Uint8Array; list: unknown[] }; n: number };
    expect(v.data.list).toEqual([1, -2, 3.5, 'x', null, true]);
    expect([...v.data.bin]).toEqual([1, 2, 3]);
    expect(v.n).toBe(2 ** 40);
  });

  it('refuses every truncated prefix with an error, never a value', () => {
    for (let i = 0; i < sample.length; i++) expect(() => decodeBounded(sample.subarray(0, i), bounds)).toThrow(MsgpackError);
  });

  it('refuses trailing bytes', () => {
    expect(() => decodeBounded(Buffer.concat([sample, Buffer.from([0xc0])]), bounds)).toThrow(/trailing/);
  });

  it('refuses extension types, msgpackr records and the reserved byte', () => {
    expect(() => decodeBounded(Buffer.from([0xd6, 0xff, 0, 0, 0, 1]), bounds)).toThrow(/extension/); // timestamp
    expect(() => decodeBounded(Buffer.from([0xd4, 0x72, 0x40]), bounds)).toThrow(/extension/); // record definition
    expect(() => decodeBounded(Buffer.from([0xc1]), bounds)).toThrow(/reserved/);
  });

  it('refuses nesting deeper than the bound', () => {
    const deep = Buffer.concat([Buffer.alloc(9, 0x91), Buffer.from([0xc0])]);
    expect(() => decodeBounded(deep, bounds)).toThrow(/deeper than 8/);
    expect(decodeBounded(deep.subarray(1), bounds)).toBeDefined();
  });

  it('refuses a container claiming more elements than there are bytes', () => {
    expect(() => decodeBounded(Buffer.from([0xdd, 0x7f, 0xff, 0xff, 0xff, 0xc0]), bounds)).toThrow(/truncated/);
  });

  it('refuses more items than the bound, and more bytes', () => {
    expect(() => decodeBounded(pack(Array.from({ length: 2000 }, () => 0)), bounds)).toThrow(/more than 1000 items/);
    expect(() => decodeBounded(pack('x'.repeat(70000)), bounds)).toThrow(/exceeds/);
  });

  it('refuses map keys that are not strings or integers', () => {
    expect(() => decodeBounded(Buffer.from([0x81, 0x90, 0x01]), bounds)).toThrow(/map key/);
  });

  it('does not let a __proto__ key change the prototype', () => {
    const v = decodeBounded(pack({ ['__proto__']: { polluted: true } }), bounds) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('encodes host input without extension types (undefined dropped, Dates as ms)', () => {
    const bytes = encode({ a: undefined, when: new Date(5), b: [undefined], bin: new Uint8Array([9]) });
    expect(decodeBounded(bytes, bounds)).toEqual({ when: 5, b: [null], bin: Buffer.from([9]) });
  });
});
