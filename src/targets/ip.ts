/**
 * IPv4 and IPv6 addresses as bigints, and back to text.
 *
 * Parsing is strict on purpose: a target that is almost an address (an octet
 * of 300, a leading zero that some tools read as octal, a zone id) is refused
 * with the reason, never guessed at. IPv6 is printed in RFC 5952 canonical
 * form so the same host always has the same text in reports.
 */
import { UsageError } from '../errors.js';

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

export function bitsOf(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/** Parse outcome without throwing, so callers can word the error around their own input. */
export type IpParse = { ok: true; ip: IpAddress } | { ok: false; reason: string };

/** Digits and dots only: meant as an IPv4 address (a hostname's last label is never all digits). */
export function looksLikeIPv4(text: string): boolean {
  return /^[0-9.]+$/.test(text);
}

export function tryParseIPv4(text: string): IpParse {
  const parts = text.split('.');
  if (parts.length !== 4) return { ok: false, reason: `expected 4 octets, found ${parts.length}` };
  let value = 0;
  for (const p of parts) {
    if (p === '') return { ok: false, reason: 'empty octet' };
    if (!/^[0-9]+$/.test(p)) return { ok: false, reason: `octet '${p}' is not a number` };
    if (p.length > 1 && p[0] === '0') return { ok: false, reason: `octet '${p}' has a leading zero` };
    const n = p.length > 3 ? 256 : Number(p);
    if (n > 255) return { ok: false, reason: `octet ${p} out of range` };
    value = value * 256 + n;
  }
  return { ok: true, ip: { family: 4, value: BigInt(value) } };
}

function tryParseIPv6(text: string): IpParse {
  if (text.includes('%')) {
    return { ok: false, reason: `zone ids are not supported ('%${text.slice(text.indexOf('%') + 1)}')` };
  }
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return { ok: false, reason: 'not an IPv6 address' };
  const halves = text.split('::');
  if (halves.length > 2) return { ok: false, reason: "'::' may appear only once" };
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups: number[] = [];
  const all = [...head, ...tail];
  // An embedded IPv4 address may stand for the last two groups only.
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (g.includes('.')) {
      if (i !== all.length - 1) return { ok: false, reason: 'an embedded IPv4 address must come last' };
      const v4 = tryParseIPv4(g);
      if (!v4.ok) return { ok: false, reason: `embedded IPv4 '${g}': ${v4.reason}` };
      const v = Number(v4.ip.value);
      groups.push(Math.floor(v / 65536), v % 65536);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return { ok: false, reason: g === '' ? 'empty group' : `group '${g}' is not 1-4 hex digits` };
      groups.push(parseInt(g, 16));
    }
  }
  const headLen = head.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  if (halves.length === 2) {
    if (groups.length > 7) return { ok: false, reason: "too many groups for '::'" };
    groups.splice(headLen, 0, ...new Array<number>(8 - groups.length).fill(0));
  } else if (groups.length !== 8) {
    return { ok: false, reason: `expected 8 groups, found ${groups.length}` };
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return { ok: true, ip: { family: 6, value } };
}

/** Either family: IPv6 when the text holds a colon. */
export function tryParseIp(text: string): IpParse {
  return text.includes(':') ? tryParseIPv6(text) : tryParseIPv4(text);
}

/** Parses an address or throws `UsageError("invalid address 'x': reason")`. */
export function parseIp(text: string): IpAddress {
  const r = tryParseIp(text);
  if (!r.ok) throw new UsageError(`invalid address '${text}': ${r.reason}`);
  return r.ip;
}

export function formatIPv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952: lower case, no leading zeros, the longest run (first on a tie) of two or more zero groups as '::'. */
export function formatIPv6(value: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 section 5).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(Number(value & 0xffffffffn))}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatIp(value: bigint, family: IpFamily): string {
  return family === 4 ? formatIPv4(Number(value)) : formatIPv6(value);
}

/**
 * Text under which equal addresses compare equal: IPv6 in RFC 5952 form, an
 * IPv4-mapped address as plain IPv4. An IPv6 zone id (`fe80::1%eth0`) is kept
 * as written: the same link-local address on another interface is another
 * host. Text that is no address comes back lower-cased.
 */
export function canonicalIp(text: string): string {
  const pct = text.includes(':') ? text.indexOf('%') : -1;
  const r = tryParseIp(pct >= 0 ? text.slice(0, pct) : text);
  if (!r.ok) return text.toLowerCase();
  const { family, value } = r.ip;
  if (family === 6 && value >> 32n === 0xffffn) return formatIPv4(Number(value & 0xffffffffn));
  return formatIp(value, family) + (pct >= 0 ? text.slice(pct) : '');
}
