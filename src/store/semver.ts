import { SEMVER_RE } from '../sandbox/manifest.js';

/**
 * Semantic versions as plugin manifests use them (semver.org 2.0.0): the
 * index orders a plugin's versions with `compareSemver`, newest first.
 * Build metadata (`+…`) is ignored when comparing, as the spec says.
 */

export function isSemver(v: string): boolean {
  return SEMVER_RE.test(v);
}

/** < 0 when a is older than b, 0 when equal in precedence, > 0 when newer. Both must be valid (isSemver). */
export function compareSemver(a: string, b: string): number {
  const [ma, pa] = parts(a);
  const [mb, pb] = parts(b);
  for (let i = 0; i < 3; i++) if (ma[i] !== mb[i]) return ma[i] < mb[i] ? -1 : 1;
  // a release is newer than any of its pre-releases
  if (!pa.length || !pb.length) return pb.length - pa.length;
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareIdentifier(pa[i], pb[i]);
    if (c) return c;
  }
  return pa.length - pb.length;
}

export function isPrerelease(v: string): boolean {
  return parts(v)[1].length > 0;
}

function parts(v: string): [bigint[], string[]] {
  const m = SEMVER_RE.exec(v);
  if (!m) throw new TypeError(`not a semantic version: ${JSON.stringify(v)}`);
  // BigInt: the spec puts no bound on a numeric part
  return [[BigInt(m[1]), BigInt(m[2]), BigInt(m[3])], m[4] === undefined ? [] : m[4].split('.')];
}

/** Numeric identifiers compare as numbers and sort before alphanumeric ones, which compare in ASCII order. */
function compareIdentifier(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return BigInt(a) === BigInt(b) ? 0 : BigInt(a) < BigInt(b) ? -1 : 1;
  if (na !== nb) return na ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}
