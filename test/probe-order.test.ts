import { describe, it, expect } from 'vitest';
import { Permutation, parseSeed } from '../src/targets/probe-order.js';
import { UsageError, WasmapError } from '../src/errors.js';

/** Every index maps inside [0, size) and no two map to the same value. */
function isBijection(perm: Permutation): boolean {
  const seen = new Uint8Array(perm.size);
  for (let i = 0; i < perm.size; i++) {
    const p = perm.at(i);
    if (!Number.isInteger(p) || p < 0 || p >= perm.size || seen[p]) return false;
    seen[p] = 1;
  }
  return true;
}

function prefix(perm: Permutation, n: number): number[] {
  return Array.from({ length: Math.min(n, perm.size) }, (_, i) => perm.at(i));
}

describe('Permutation', () => {
  it('is a bijection for every size from 0 to 5000', () => {
    let bad: number[] = [];
    for (let n = 0; n <= 5000; n++) if (!isBijection(new Permutation(n, BigInt(n) * 7919n))) bad.push(n);
    expect(bad).toEqual([]);
    bad = [];
    for (let n = 0; n <= 600; n++) if (!isBijection(new Permutation(n, 0xdeadbeefcafef00dn))) bad.push(n);
    expect(bad).toEqual([]);
  });

  it('is a bijection for larger sizes just under and over powers of two', () => {
    for (const n of [65535, 65536, 65537, 131071, 262145, 1_000_003]) {
      expect(isBijection(new Permutation(n, 42n)), `size ${n}`).toBe(true);
    }
  });

  it('handles sizes 0 and 1 and refuses indices outside the range', () => {
    expect(new Permutation(0, 1n).size).toBe(0);
    expect(() => new Permutation(0, 1n).at(0)).toThrow(WasmapError);
    expect(new Permutation(1, 1n).at(0)).toBe(0);
    const p = new Permutation(10, 1n);
    expect(() => p.at(10)).toThrow(WasmapError);
    expect(() => p.at(-1)).toThrow(WasmapError);
    expect(() => p.at(1.5)).toThrow(WasmapError);
    expect(() => new Permutation(-1, 1n)).toThrow(WasmapError);
    expect(() => new Permutation(2 ** 48 + 1, 1n)).toThrow(WasmapError);
  });

  it('stays inside the range and repeats nothing at the 2^48 maximum', () => {
    const n = 2 ** 48;
    const perm = new Permutation(n, 3n);
    const seen = new Set<number>();
    for (let k = 0; k < 20000; k++) {
      const i = k < 10000 ? k : n - 1 - (k - 10000);
      const p = perm.at(i);
      expect(Number.isSafeInteger(p) && p >= 0 && p < n).toBe(true);
      seen.add(p);
    }
    expect(seen.size).toBe(20000);
  });

  it('gives the same order for the same seed and a different one for another seed', () => {
    const a = prefix(new Permutation(100_000, 12345n), 1000);
    const b = prefix(new Permutation(100_000, 12345n), 1000);
    const c = prefix(new Permutation(100_000, 12346n), 1000);
    expect(a).toEqual(b);
    const same = a.filter((x, i) => x === c[i]).length;
    expect(same).toBeLessThan(10);
  });

  it('does not walk the identity or a plain stride', () => {
    const p = prefix(new Permutation(1_000_000, 1n), 1000);
    const identical = p.filter((x, i) => x === i).length;
    expect(identical).toBeLessThan(5);
    const strides = new Set(p.slice(1).map((x, i) => x - p[i]!));
    expect(strides.size).toBeGreaterThan(900);
  });

  it('spreads the first probes over many hosts (256 hosts × 1000 ports)', () => {
    const hosts = 256;
    const ports = 1000;
    for (const seed of [0n, 1n, 42n, parseSeed('wasmap'), parseSeed('2026')]) {
      const perm = new Permutation(hosts * ports, seed);
      const touched = new Set(prefix(perm, hosts).map((p) => Math.floor(p / ports)));
      expect(touched.size, `seed ${seed}`).toBeGreaterThanOrEqual(150);
      // And no host takes more than a few probes in a row over the whole walk.
      let run = 1;
      let longest = 1;
      let last = -1;
      for (let i = 0; i < perm.size; i++) {
        const h = Math.floor(perm.at(i) / ports);
        run = h === last ? run + 1 : 1;
        longest = Math.max(longest, run);
        last = h;
      }
      expect(longest, `seed ${seed}`).toBeLessThanOrEqual(4);
    }
  });
});

describe('parseSeed', () => {
  it('takes a decimal or hex number as the seed itself', () => {
    expect(parseSeed('42')).toBe(42n);
    expect(parseSeed(' 0x2A ')).toBe(42n);
    expect(parseSeed('18446744073709551617')).toBe(1n); // reduced to 64 bits
  });

  it('hashes any other text to a stable 64-bit seed', () => {
    const s = parseSeed('night scan');
    expect(s).toBe(parseSeed('night scan'));
    expect(s).not.toBe(parseSeed('night scan 2'));
    expect(s >= 0n && s < 2n ** 64n).toBe(true);
  });

  it('picks a random seed when none is given', () => {
    const seeds = new Set(Array.from({ length: 8 }, () => parseSeed(undefined)));
    expect(seeds.size).toBe(8);
  });

  it('refuses an empty seed', () => {
    expect(() => parseSeed('  ')).toThrow(UsageError);
    expect(() => parseSeed('')).toThrow('--seed must not be empty');
  });
});
