// The SDK's JSON reader (assembly/json.ts) called in-process
// (test/support/as-unit.ts), checked against Node's JSON.parse.
//   npx vitest run sdk/assemblyscript/test/json.test.ts
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useUnit, type Ptr } from '../../../test/support/as-unit.js';

interface JsonUnit { parse(s: Ptr, maxDepth: number, maxValues: number): Ptr }

const u = useUnit<JsonUnit>(join(fileURLToPath(new URL('.', import.meta.url)), 'unit', 'json'));
const parse = (s: string, maxDepth = 64, maxValues = 200000): string => u.getStr(u.fn.parse(u.str(s), maxDepth, maxValues));

describe('the AssemblyScript SDK JSON reader', () => {
  it('reads what JSON.parse reads: objects in key order, arrays, strings with every escape, integers and floats', () => {
    const doc = ' {"Id":"abc","Names":["/x","/y"],"Count":42,"Neg":-7,"Big":123456789012345678,"Ratio":1.5,"Small":-0.25,'
      + '"Esc":"q\\"b\\\\s\\/n\\nt\\tu\\u00e9\\ud83d\\ude00","Empty":{},"None":[],"T":true,"F":false,"N":null,"Nested":{"a":[{"b":[1,2]}]}} ';
    const want = '{"Id":"abc","Names":["/x","/y"],"Count":i:42,"Neg":i:-7,"Big":i:123456789012345678,"Ratio":f:1.5,"Small":f:-0.25,'
      + '"Esc":"q\\"b\\\\s/n\\u000at\\u0009u\u00e9\u{1f600}","Empty":{},"None":[],"T":true,"F":false,"N":null,"Nested":{"a":[{"b":[i:1,i:2]}]}}';
    expect(parse(doc)).toBe(want);
    // the same document as Node reads it (the unit writes control characters as \u00XX; JS loses the 18th digit)
    expect(JSON.parse(doc)).toMatchObject({ Id: 'abc', Count: 42, Ratio: 1.5, Esc: 'q"b\\s/n\nt\tu\u00e9\u{1f600}' });
    expect(parse('"\\u00e9\\ud83d\\ude00"')).toBe('"é😀"');
    expect(parse('2.5e-3')).toBe('f:0.0025');
    expect(parse('1E2')).toBe('f:100.0');
  });

  it('keeps integers of up to 18 digits exact and reads longer ones as floats', () => {
    expect(parse('999999999999999999')).toBe('i:999999999999999999');
    expect(parse('-999999999999999999')).toBe('i:-999999999999999999');
    const big = parse('12345678901234567890');
    expect(big.startsWith('f:')).toBe(true);
    expect(Number(big.slice(2))).toBe(12345678901234567890);
  });

  it('refuses what JSON.parse refuses, saying where', () => {
    const bad = ['', '{', '[1,]', '{"a":1,}', '{"a" 1}', '{a:1}', "'x'", '01', '1.', '-', '1e', '"\\x"', '"\\u12g4"', '"a\nb"', 'tru', 'nul', '[1] 2', '{"a":1}}', 'NaN'];
    for (const s of bad) {
      expect(() => JSON.parse(s), s).toThrow();
      expect(parse(s), s).toMatch(/^error: .+ at offset \d+$/);
    }
    expect(parse('[1,]')).toBe('error: unexpected character at offset 3');
  });

  it('stops at the depth and value caps instead of recursing or allocating without end', () => {
    expect(parse('[[[1]]]', 3)).toBe('[[[i:1]]]');
    expect(parse('[[[1]]]', 2)).toMatch(/^error: nested deeper than 2/);
    expect(parse('['.repeat(100000))).toMatch(/^error: nested deeper than 64/);
    expect(parse('[1,2,3]', 64, 4)).toBe('[i:1,i:2,i:3]');
    expect(parse('[1,2,3]', 64, 3)).toMatch(/^error: more than 3 values/);
  });
});
