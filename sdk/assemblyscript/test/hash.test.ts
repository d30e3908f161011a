// The SDK's MD5, SHA-1 and SHA-256 called in-process (test/support/as-unit.ts),
// checked against node:crypto on every length around the block boundaries.
//   npx vitest run sdk/assemblyscript/test/hash.test.ts
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useUnit, type Ptr } from '../../../test/support/as-unit.js';

interface HashUnit {
  md5(b: Ptr): Ptr;
  sha1(b: Ptr): Ptr;
  sha256(b: Ptr): Ptr;
}

const u = useUnit<HashUnit>(join(fileURLToPath(new URL('.', import.meta.url)), 'unit', 'hash'));

describe('the AssemblyScript SDK hashes', () => {
  for (const alg of ['md5', 'sha1', 'sha256'] as const) {
    it(`${alg} gives node:crypto's digest for every length from 0 to 300 bytes`, () => {
      // 0..300 crosses the 55/56/64-byte padding edges several times
      const data = randomBytes(300);
      for (let n = 0; n <= 300; n++) {
        const input = data.subarray(0, n);
        const got = Buffer.from(u.getBytes(u.fn[alg](u.bytes(input)))!).toString('hex');
        expect(got, `${alg} of ${n} bytes`).toBe(createHash(alg).update(input).digest('hex'));
      }
      u.collect();
    });
  }

  it('hashes a megabyte as node:crypto does', () => {
    const data = randomBytes(1 << 20);
    for (const alg of ['md5', 'sha1', 'sha256'] as const) {
      expect(Buffer.from(u.getBytes(u.fn[alg](u.bytes(data)))!).toString('hex')).toBe(createHash(alg).update(data).digest('hex'));
    }
    u.collect();
  });
});
