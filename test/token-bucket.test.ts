import { describe, it, expect } from 'vitest';
import { TokenBucket } from '../src/net/token-bucket.js';

// Time is passed in, so the rate is checked exactly, without timing anything.
describe('the token bucket behind --rate', () => {
  it('grants its burst at once, then refills at the rate', () => {
    const b = new TokenBucket(1000, 10, 0);
    expect(b.take(50, 0)).toBe(10);
    expect(b.take(50, 0)).toBe(0);
    expect(b.waitMs(0)).toBe(1);
    expect(b.take(50, 5)).toBe(5); // 5 ms at 1000/s
    expect(b.take(50, 1005)).toBe(10); // never more than the burst
  });

  it('over a simulated second grants no more than rate + burst', () => {
    const b = new TokenBucket(2000, 40, 0);
    let granted = 0;
    for (let t = 0; t <= 1000; t += 3) granted += b.take(1000, t);
    expect(granted).toBeGreaterThanOrEqual(2000);
    expect(granted).toBeLessThanOrEqual(2040);
  });

  it('means no limit when the rate is 0', () => {
    const b = new TokenBucket(0);
    expect(b.unlimited).toBe(true);
    expect(b.take(1e6)).toBe(1e6);
    expect(b.waitMs()).toBe(0);
  });
});
