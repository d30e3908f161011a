/**
 * Address blocks a scan leaves out of ranges unless the user names them: from
 * the IANA special-purpose registries (IPv4: RFC 6890, IPv6: RFC 6890/4291),
 * only the blocks where a probe cannot reach a unicast host or where no host
 * can legitimately be. Private space (10/8, 172.16/12, 192.168/16, fc00::/7,
 * 100.64/10), loopback (127/8, ::1) and link-local IPv4 (169.254/16) are
 * ordinary targets and are not listed.
 */
import { parseTargetSpec, type TargetSpec } from './target-spec.js';
import type { IpFamily } from './ip.js';
import { unionIntervals, type Interval } from './intervals.js';

export interface ReservedBlock {
  /** the block as CIDR text, e.g. `224.0.0.0/4` */
  cidr: string;
  family: IpFamily;
  first: bigint;
  last: bigint;
  /** what the block is, for -v: "multicast (RFC 5771)" */
  what: string;
}

const TABLE: readonly (readonly [string, string])[] = [
  // connecting to 0.x.x.x reaches this host on Linux, not a remote one
  ['0.0.0.0/8', '"this network" (RFC 791)'],
  ['192.0.2.0/24', 'documentation, TEST-NET-1 (RFC 5737)'],
  ['198.51.100.0/24', 'documentation, TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0/24', 'documentation, TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0/4', 'multicast (RFC 5771)'],
  // holds 255.255.255.255, the limited broadcast address (RFC 919)
  ['240.0.0.0/4', 'reserved and limited broadcast (RFC 1112, RFC 919)'],
  ['::/128', 'unspecified address (RFC 4291)'],
  // an IPv4 host in IPv6 form: the packet goes out as IPv4, past the IPv4 checks
  ['::ffff:0:0/96', 'IPv4-mapped (RFC 4291)'],
  ['100::/64', 'discard-only (RFC 6666)'],
  ['2001:db8::/32', 'documentation (RFC 3849)'],
  ['3fff::/20', 'documentation (RFC 9637)'],
  // unreachable without a zone id, which targets cannot carry
  ['fe80::/10', 'link-local unicast (RFC 4291)'],
  ['ff00::/8', 'multicast (RFC 4291)'],
];

export const RESERVED_BLOCKS: readonly ReservedBlock[] = Object.freeze(TABLE.map(([cidr, what]) => {
  const spec = parseTargetSpec(cidr) as Extract<TargetSpec, { kind: 'addresses' }>;
  return Object.freeze({ cidr, family: spec.family, first: spec.first, last: spec.last, what });
}));

/** The reserved blocks of one family as normalised intervals. */
export function reservedIntervals(family: IpFamily): Interval[] {
  return unionIntervals(RESERVED_BLOCKS.filter((b) => b.family === family).map((b) => ({ first: b.first, last: b.last })));
}

/**
 * Whether the user named this spec on purpose: a single address, or a block
 * that lies wholly inside one reserved block (`224.0.0.0/24`, `ff02::1-ff`).
 * Named specs are scanned as given; only wider ranges lose the reserved parts.
 */
export function isNamedSpec(spec: TargetSpec): boolean {
  if (spec.kind === 'hostname') return true;
  if (spec.first === spec.last) return true;
  return RESERVED_BLOCKS.some((b) => b.family === spec.family && b.first <= spec.first && spec.last <= b.last);
}
