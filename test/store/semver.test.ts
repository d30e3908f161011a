import { describe, expect, it } from 'vitest';
import { compareSemver, isPrerelease, isSemver } from '../../src/store/semver.js';

describe('semver', () => {
  it('orders versions by semver.org precedence, not as strings', () => {
    // semver.org §11's example chain, plus numeric parts that string order gets wrong
    const ordered = [
      '0.9.0', '0.10.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2',
      '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0', '2.0.0', '18446744073709551617.0.0',
    ];
    expect([...ordered].reverse().sort(compareSemver)).toEqual(ordered);
    for (let i = 1; i < ordered.length; i++) {
      expect(compareSemver(ordered[i - 1], ordered[i]), `${ordered[i - 1]} < ${ordered[i]}`).toBeLessThan(0);
      expect(compareSemver(ordered[i], ordered[i - 1])).toBeGreaterThan(0);
    }
    expect(compareSemver('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
  });

  it('tells versions, pre-releases and non-versions apart', () => {
    expect(['1.0', 'v1.0.0', '01.0.0', '1.0.0-', ''].filter(isSemver)).toEqual([]);
    expect(isPrerelease('1.0.0-rc.1')).toBe(true);
    expect(isPrerelease('1.0.0+build')).toBe(false);
  });
});
