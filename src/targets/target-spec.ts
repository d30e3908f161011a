/**
 * One target as the user wrote it: an address, a CIDR block, a dash range or
 * a hostname. Every address form becomes one inclusive interval, so a /8 costs
 * the same as a single host; hostnames are kept verbatim and resolved later.
 */
import { UsageError } from '../errors.js';
import {
  bitsOf, looksLikeIPv4, tryParseIp, tryParseIPv4,
  type IpAddress, type IpFamily,
} from './ip.js';

export type AddressForm = 'address' | 'cidr' | 'range';

export type TargetSpec =
  | { kind: 'addresses'; form: AddressForm; family: IpFamily; first: bigint; last: bigint; text: string }
  | { kind: 'hostname'; name: string; text: string };

/** Number of addresses a spec stands for (a hostname counts as one until resolved). */
export function specSize(spec: TargetSpec): bigint {
  return spec.kind === 'addresses' ? spec.last - spec.first + 1n : 1n;
}

export function parseTargetSpec(raw: string): TargetSpec {
  const text = raw.trim();
  if (text === '') throw new UsageError('invalid target: empty');
  if (text.includes('/')) return parseCidr(text);
  const dash = text.indexOf('-');
  if (dash > 0) {
    const left = text.slice(0, dash);
    if (left.includes(':') || looksLikeIPv4(left)) return parseRange(text, left, text.slice(dash + 1));
  }
  if (text.includes(':') || looksLikeIPv4(text)) {
    const ip = addressOrThrow(text, text);
    return { kind: 'addresses', form: 'address', family: ip.family, first: ip.value, last: ip.value, text };
  }
  if (!isHostname(text)) throw new UsageError(`invalid target '${text}': not an address, range, CIDR or hostname`);
  return { kind: 'hostname', name: text, text };
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens; one trailing dot allowed. */
export function isHostname(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > 253) return false;
  const labels = bare.split('.');
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((l) => l.length <= 63 && /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(l));
}

function addressOrThrow(part: string, whole: string): IpAddress {
  const r = tryParseIp(part);
  if (!r.ok) throw new UsageError(`invalid target '${whole}': ${r.reason}`);
  return r.ip;
}

function parseCidr(text: string): TargetSpec {
  const slash = text.lastIndexOf('/');
  const addrText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!addrText.includes(':') && !looksLikeIPv4(addrText)) {
    throw new UsageError(`invalid target '${text}': a CIDR block needs an address before the '/'`);
  }
  const ip = addressOrThrow(addrText, text);
  const bits = bitsOf(ip.family);
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new UsageError(`invalid CIDR prefix '/${prefixText}' in '${text}'`);
  }
  // Host bits set (10.0.0.7/24) mean the whole network, as nmap reads it.
  const hostBits = BigInt(bits - Number(prefixText));
  const first = (ip.value >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  return { kind: 'addresses', form: 'cidr', family: ip.family, first, last, text };
}

function parseRange(text: string, left: string, right: string): TargetSpec {
  const start = addressOrThrow(left, text);
  let end: IpAddress;
  if (right.includes('.') || right.includes(':')) {
    end = addressOrThrow(right, text);
    if (end.family !== start.family) throw new UsageError(`invalid range '${text}': the two ends are of different families`);
  } else if (start.family === 4) {
    // 10.0.0.1-20: the end replaces the last octet.
    const octet = tryParseIPv4(`0.0.0.${right}`);
    if (!octet.ok) throw new UsageError(`invalid range '${text}': ${octet.reason}`);
    end = { family: 4, value: (start.value & ~0xffn) | octet.ip.value };
  } else {
    // fd00::1-ff: the end replaces the last 16-bit group.
    if (!/^[0-9A-Fa-f]{1,4}$/.test(right)) throw new UsageError(`invalid range '${text}': '${right}' is not 1-4 hex digits`);
    end = { family: 6, value: (start.value & ~0xffffn) | BigInt(parseInt(right, 16)) };
  }
  if (start.value > end.value) throw new UsageError(`invalid range '${text}': start is above end`);
  return { kind: 'addresses', form: 'range', family: start.family, first: start.value, last: end.value, text };
}
