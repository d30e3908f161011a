/**
 * The little BER (ITU-T X.690) that SNMP needs: definite lengths, INTEGER,
 * OCTET STRING, NULL, OBJECT IDENTIFIER and constructed types. The encoder
 * builds our GetRequests; the decoder reads hostile replies, so it is
 * bounded (depth, element count, lengths checked against the buffer) and
 * reports truncation as `null`, never a throw or a wrong value.
 */

export const BER = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, value: Uint8Array): Uint8Array {
  const head = [tag, ...encodeLength(value.length)];
  const out = new Uint8Array(head.length + value.length);
  out.set(head, 0);
  out.set(value, head.length);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function constructed(tag: number, children: Uint8Array[]): Uint8Array {
  return tlv(tag, concat(children));
}

/** Two's-complement, minimal length, as X.690 §8.3 requires. */
export function integer(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new RangeError(`BER integer out of int32 range: ${n}`);
  const bytes = [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff].reverse();
  while (bytes.length > 1 && ((bytes[0] === 0 && (bytes[1]! & 0x80) === 0) || (bytes[0] === 0xff && (bytes[1]! & 0x80) !== 0))) bytes.shift();
  return tlv(BER.INTEGER, Uint8Array.from(bytes));
}

export function octetString(s: string | Uint8Array): Uint8Array {
  return tlv(BER.OCTET_STRING, typeof s === 'string' ? new TextEncoder().encode(s) : s);
}

export function nullValue(): Uint8Array {
  return tlv(BER.NULL, new Uint8Array(0));
}

/** Dotted OID to BER: first two arcs packed as 40*a+b, the rest base-128. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => Number(a));
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new RangeError(`bad OID: ${dotted}`);
  const out: number[] = [];
  const push = (v: number) => {
    const groups: number[] = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) groups.unshift((x & 0x7f) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(BER.OID, Uint8Array.from(out));
}

// --- decoding --------------------------------------------------------------

export interface BerNode {
  tag: number;
  /** the value bytes (a view into the input) */
  value: Uint8Array;
  /** children, for constructed tags (bit 0x20) */
  children?: BerNode[];
}

/** Caps for hostile input. */
const BER_LIMITS = { maxDepth: 16, maxNodes: 512 } as const;

/**
 * Decodes one TLV tree from the start of `buf`. Returns null when the input
 * is truncated, uses an indefinite or oversized length, a multi-byte tag, or
 * exceeds the caps.
 */
export function decode(buf: Uint8Array): BerNode | null {
  const budget = { nodes: BER_LIMITS.maxNodes };
  const r = decodeAt(buf, 0, 0, budget);
  return r ? r.node : null;
}

function decodeAt(buf: Uint8Array, at: number, depth: number, budget: { nodes: number }): { node: BerNode; end: number } | null {
  if (depth > BER_LIMITS.maxDepth || --budget.nodes < 0) return null;
  if (at + 2 > buf.length) return null;
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) return null; // high tag numbers: SNMP never uses them
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) return null; // indefinite, absurd, or truncated
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  const end = p + len;
  if (end > buf.length) return null;
  const node: BerNode = { tag, value: buf.subarray(p, end) };
  if (tag & 0x20) {
    node.children = [];
    let q = p;
    while (q < end) {
      const child = decodeAt(buf.subarray(0, end), q, depth + 1, budget);
      if (!child) return null;
      node.children.push(child.node);
      q = child.end;
    }
  }
  return { node, end };
}

/** A decoded INTEGER that fits int32, else null. */
export function readInteger(n: BerNode | undefined): number | null {
  if (!n || n.tag !== BER.INTEGER || n.value.length === 0 || n.value.length > 4) return null;
  let v = n.value[0]! & 0x80 ? -1 : 0;
  for (const b of n.value) v = (v * 256 + b) | 0;
  return v;
}

export function readOid(n: BerNode | undefined): string | null {
  if (!n || n.tag !== BER.OID || n.value.length === 0) return null;
  const arcs: number[] = [];
  let v = 0;
  for (const b of n.value) {
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) return null;
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  if (n.value[n.value.length - 1]! & 0x80) return null;
  return arcs.join('.');
}
