/**
 * Bounded readers for the replies our payloads provoke. A UDP reply already
 * proves the port open; these only tie a reply to its request and pull out
 * the one field worth reporting. They read at most the 4 KiB a probe keeps,
 * never throw, and return null for truncated or malformed input.
 */
import { decode, readInteger, readOid, BER, type BerNode } from './ber.js';

export interface DnsReplyHeader {
  id: number;
  /** QR bit: 1 for a response */
  response: boolean;
  /** RCODE (RFC 1035 §4.1.1): 0 ok, 5 refused... */
  rcode: number;
  answers: number;
}

export function readDnsHeader(b: Uint8Array): DnsReplyHeader | null {
  if (b.length < 12) return null;
  return { id: (b[0]! << 8) | b[1]!, response: (b[2]! & 0x80) !== 0, rcode: b[3]! & 0x0f, answers: (b[6]! << 8) | b[7]! };
}

/**
 * The first TXT string of the first answer, for `version.bind`. Walks the
 * question and answer names with a step cap; compression pointers are skipped,
 * not followed, since we only need to get past the name.
 */
export function readDnsFirstTxt(b: Uint8Array): string | null {
  const h = readDnsHeader(b);
  if (!h || !h.response || h.answers === 0) return null;
  let p = skipName(b, 12);
  if (p === null || p + 4 > b.length) return null;
  p = skipName(b, p + 4); // past QTYPE/QCLASS, onto the answer's name
  if (p === null || p + 10 > b.length) return null;
  const type = (b[p]! << 8) | b[p + 1]!;
  const rdlen = (b[p + 8]! << 8) | b[p + 9]!;
  p += 10;
  if (type !== 16 || p + rdlen > b.length || rdlen < 1) return null;
  const len = b[p]!;
  if (len + 1 > rdlen) return null;
  return new TextDecoder().decode(b.subarray(p + 1, p + 1 + len));
}

function skipName(b: Uint8Array, p: number): number | null {
  for (let steps = 0; steps < 128 && p < b.length; steps++) {
    const len = b[p]!;
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) return p + 2 <= b.length ? p + 2 : null;
    if (len & 0xc0) return null;
    p += 1 + len;
  }
  return null;
}

export interface NtpReply {
  version: number;
  /** 4 = server */
  mode: number;
  stratum: number;
  /** bytes 24-31: our transmit timestamp, echoed */
  origin: Uint8Array;
}

export function readNtpReply(b: Uint8Array): NtpReply | null {
  if (b.length < 48) return null;
  return { version: (b[0]! >> 3) & 0x07, mode: b[0]! & 0x07, stratum: b[1]!, origin: b.subarray(24, 32) };
}

export interface SnmpReply {
  version: number;
  community: string;
  requestId: number;
  errorStatus: number;
  /** OID → value; OCTET STRING values decoded as UTF-8, others as hex */
  varbinds: Array<{ oid: string; value: string }>;
}

/** An SNMP v1/v2c GetResponse (PDU tag 0xa2). */
export function readSnmpReply(b: Uint8Array): SnmpReply | null {
  const msg = decode(b);
  const [ver, community, pdu] = msg?.children ?? [];
  if (!msg || msg.tag !== BER.SEQUENCE || !pdu || pdu.tag !== 0xa2 || community?.tag !== BER.OCTET_STRING) return null;
  const version = readInteger(ver);
  const [rid, status, , list] = pdu.children ?? [];
  const requestId = readInteger(rid);
  const errorStatus = readInteger(status);
  if (version === null || requestId === null || errorStatus === null || list?.tag !== BER.SEQUENCE) return null;
  const varbinds: SnmpReply['varbinds'] = [];
  for (const vb of list.children ?? []) {
    const name = readOid(vb.children?.[0]);
    const value = vb.children?.[1];
    if (name === null || !value) return null;
    varbinds.push({ oid: name, value: showValue(value) });
  }
  return { version, community: new TextDecoder().decode(community.value), requestId, errorStatus, varbinds };
}

function showValue(v: BerNode): string {
  if (v.tag === BER.OCTET_STRING) return new TextDecoder().decode(v.value);
  return Buffer.from(v.value).toString('hex');
}

/** memcached's UDP frame header: the request id it echoes back. */
export function readMemcachedFrame(b: Uint8Array): { requestId: number; seq: number; total: number; body: Uint8Array } | null {
  if (b.length < 8) return null;
  return { requestId: (b[0]! << 8) | b[1]!, seq: (b[2]! << 8) | b[3]!, total: (b[4]! << 8) | b[5]!, body: b.subarray(8) };
}
