/**
 * The order probes go out in: a keyed pseudo-random bijection over [0, N),
 * N = hosts × ports (up to 2^48). The scanner walks i = 0..N-1 and probes
 * `at(i)`, so consecutive probes land on different hosts, nothing is held in
 * memory, and the same seed replays the same order.
 *
 * A balanced Feistel network permutes [0, 4^k) with k-bit halves (k ≤ 24);
 * cycle walking (re-encrypting until the value falls below N) narrows it to
 * [0, N). As 4^k < 4N, that takes under four rounds of the network on average.
 * `at()` is on the hot path, so it is plain Number arithmetic: no BigInt.
 */
import { createHash, randomBytes } from 'node:crypto';
import { UsageError, WasmapError } from '../errors.js';

const ROUNDS = 6;
const MAX_SIZE = 2 ** 48;
const U64 = (1n << 64n) - 1n;

/** A number (decimal or 0x-hex) is the seed itself; any other text is hashed; none gives a random seed. */
export function parseSeed(s: string | undefined): bigint {
  if (s === undefined) return randomBytes(8).readBigUInt64BE(0);
  const t = s.trim();
  if (t === '') throw new UsageError('--seed must not be empty');
  if (/^[0-9]+$/.test(t) || /^0x[0-9a-f]+$/i.test(t)) return BigInt(t) & U64;
  return createHash('sha256').update(t, 'utf8').digest().readBigUInt64BE(0);
}

/** splitmix64: spreads one 64-bit seed into independent-looking round keys. */
function roundKeys(seed: bigint): Int32Array {
  const keys = new Int32Array(ROUNDS);
  let state = seed & U64;
  for (let r = 0; r < ROUNDS; r++) {
    state = (state + 0x9e3779b97f4a7c15n) & U64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & U64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & U64;
    z ^= z >> 31n;
    keys[r] = Number(z & 0xffffffffn) | 0;
  }
  return keys;
}

export class Permutation {
  readonly size: number;
  readonly #half: number;
  readonly #mask: number;
  readonly #keys: Int32Array;

  constructor(size: number, seed: bigint) {
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SIZE) {
      throw new WasmapError('WASMAP_INTERNAL', `permutation size ${size} is outside [0, 2^48]`);
    }
    this.size = size;
    let bits = 0;
    while (2 ** bits < size) bits++;
    const halfBits = Math.max(1, Math.ceil(bits / 2));
    this.#half = 2 ** halfBits;
    this.#mask = this.#half - 1;
    this.#keys = roundKeys(seed);
  }

  /** The i-th element of the order, 0 <= i < size. */
  at(i: number): number {
    if (!(i >= 0 && i < this.size) || !Number.isInteger(i)) {
      throw new WasmapError('WASMAP_INTERNAL', `permutation index ${i} out of range [0, ${this.size})`);
    }
    let x = i;
    do x = this.#encrypt(x);
    while (x >= this.size);
    return x;
  }

  #encrypt(x: number): number {
    const half = this.#half;
    const mask = this.#mask;
    const keys = this.#keys;
    let l = Math.floor(x / half);
    let r = x - l * half;
    for (let k = 0; k < ROUNDS; k++) {
      // murmur3's finaliser over (right half, round key): cheap and well mixed.
      let h = Math.imul(r, 0xcc9e2d51) ^ keys[k]!;
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h ^= h >>> 16;
      const t = (l ^ h) & mask;
      l = r;
      r = t;
    }
    return l * half + r;
  }
}
