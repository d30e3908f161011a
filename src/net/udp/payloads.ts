/**
 * Protocol payloads for UDP probes. Most UDP services ignore a datagram they
 * cannot parse, so a port only answers (and so proves itself `open`) when we
 * speak its protocol. Each builder is small, names its spec, and takes the
 * random parts (query ids, names) as arguments so tests can match replies.
 * `udpPayload(port)` picks the builder for a well-known port, or an empty
 * datagram for the rest.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { concat, constructed, integer, nullValue, octetString, oid, BER } from './ber.js';

export interface UdpPayload {
  /** short protocol name, e.g. `dns-version-bind` */
  name: string;
  payload: Uint8Array;
  /**
   * The service answers from a different port than the one we sent to (TFTP
   * does, RFC 1350 §4), so the probe must also listen unconnected.
   */
  replyFromAnyPort?: boolean;
}

const enc = new TextEncoder();
const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const randomId16 = () => randomInt(0, 0x10000);
const randomId31 = () => randomInt(1, 0x7fffffff);

// --- DNS family --------------------------------------------------------------

/** DNS labels (RFC 1035 §3.1): length-prefixed, ending with the root's 0. */
function dnsName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter(Boolean)) {
    const b = enc.encode(label);
    if (b.length > 63) throw new RangeError(`DNS label too long: ${label}`);
    out.push(b.length, ...b);
  }
  out.push(0);
  return out;
}

export interface DnsQuery {
  id: number;
  name: string;
  /** RR type: 16 TXT, 2 NS, 12 PTR, 1 A */
  qtype: number;
  /** class: 1 IN, 3 CH (CHAOS) */
  qclass: number;
  /** recursion desired */
  rd?: boolean;
}

/** A one-question DNS query (RFC 1035 §4.1). */
export function dnsQuery(q: DnsQuery): Uint8Array {
  const flags = q.rd ? 0x0100 : 0x0000;
  return Uint8Array.from([...u16(q.id), ...u16(flags), 0, 1, 0, 0, 0, 0, 0, 0, ...dnsName(q.name), ...u16(q.qtype), ...u16(q.qclass)]);
}

/**
 * `version.bind` TXT in class CHAOS: the conventional server-identity query
 * (BIND, dnsmasq, Unbound, NSD, PowerDNS answer it; RFC 4892 §2 describes
 * it). Authoritative-only and recursive servers both reply, if only REFUSED.
 */
export function dnsVersionBind(id = randomId16()): UdpPayload {
  return { name: 'dns-version-bind', payload: dnsQuery({ id, name: 'version.bind', qtype: 16, qclass: 3, rd: false }) };
}

/**
 * mDNS (RFC 6762 §6.7 "legacy unicast"): a query from a port other than 5353
 * is answered by unicast to its source, echoing the id. We ask for the DNS-SD
 * service list (RFC 6763 §9), which every responder advertising anything has.
 */
export function mdnsServices(id = randomId16()): UdpPayload {
  return { name: 'mdns-services', payload: dnsQuery({ id, name: '_services._dns-sd._udp.local', qtype: 12, qclass: 1 }) };
}

/**
 * LLMNR (RFC 4795 §2.1): DNS format, but a responder only answers for its own
 * name, so a silent LLMNR port stays `open|filtered`. We ask for `localhost`.
 */
export function llmnrQuery(id = randomId16(), name = 'localhost'): UdpPayload {
  return { name: 'llmnr', payload: dnsQuery({ id, name, qtype: 1, qclass: 1 }) };
}

// --- NTP ---------------------------------------------------------------------

/** Seconds from the NTP era (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/**
 * An NTP client-mode request (RFC 5905 §7.3): 48 bytes, LI=0, the given
 * version, mode 3, all zero but the transmit timestamp. The header layout is
 * the same in v2 (RFC 1119), v3 (RFC 1305) and v4, and servers reply with the
 * version they were asked in; a server copies our transmit timestamp into its
 * reply's origin timestamp (bytes 24-31), which ties the reply to the request.
 * `now` is Unix milliseconds; the low 32 bits of the fraction are random.
 */
export function ntpRequest(version: 2 | 3 | 4 = 4, now = Date.now()): UdpPayload {
  const p = new Uint8Array(48);
  p[0] = (0 << 6) | (version << 3) | 3;
  const secs = Math.floor(now / 1000) + NTP_UNIX_OFFSET;
  p.set(u32(secs >>> 0), 40);
  p.set(randomBytes(4), 44);
  return { name: `ntp-v${version}-client`, payload: p };
}

// --- SNMP --------------------------------------------------------------------

export const SYS_DESCR_OID = '1.3.6.1.2.1.1.1.0';

export interface SnmpGet {
  /** `v1` (RFC 1157) or `v2c` (RFC 1901 / RFC 3416) */
  version: 'v1' | 'v2c';
  community?: string;
  requestId?: number;
}

/**
 * An SNMP GetRequest, BER-encoded by hand (RFC 1157 §4.1):
 * `SEQUENCE { version, community, GetRequest-PDU [0] { request-id,
 * error-status 0, error-index 0, varbinds { SEQUENCE { oid, NULL } } } }`.
 * The message shape is the same for v1 and v2c; only the version differs.
 */
export function snmpGetRequest(g: SnmpGet): UdpPayload {
  const varbinds = [constructed(BER.SEQUENCE, [oid(SYS_DESCR_OID), nullValue()])];
  const pdu = constructed(0xa0, [integer(g.requestId ?? randomId31()), integer(0), integer(0), constructed(BER.SEQUENCE, varbinds)]);
  const msg = constructed(BER.SEQUENCE, [integer(g.version === 'v1' ? 0 : 1), octetString(g.community ?? 'public'), pdu]);
  return { name: `snmp-${g.version}-get-sysdescr`, payload: msg };
}

// --- NetBIOS -----------------------------------------------------------------

/**
 * A NetBIOS name service NODE STATUS request for `*` (RFC 1002 §4.2.17):
 * the name is first-level encoded (RFC 1001 §14.1: each nibble + 'A'),
 * question type NBSTAT (0x21), class IN. Windows and Samba's nmbd answer with
 * their name table.
 */
export function netbiosNodeStatus(id = randomId16()): UdpPayload {
  const raw = new Uint8Array(16);
  raw[0] = 0x2a; // '*', padded with NULs
  const encoded: number[] = [];
  for (const b of raw) encoded.push(0x41 + (b >> 4), 0x41 + (b & 0x0f));
  const payload = Uint8Array.from([...u16(id), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 32, ...encoded, 0, ...u16(0x21), ...u16(1)]);
  return { name: 'netbios-ns-node-status', payload };
}

// --- SSDP --------------------------------------------------------------------

/**
 * A unicast SSDP M-SEARCH (UPnP Device Architecture 1.1 §1.3.2): for unicast
 * the HOST header names the target itself and MX is omitted. Many devices
 * answer from an ephemeral port rather than 1900, hence `replyFromAnyPort`.
 */
export function ssdpMSearch(host: string, port = 1900): UdpPayload {
  const h = host.includes(':') ? `[${host}]` : host;
  const text = `M-SEARCH * HTTP/1.1\r\nHOST: ${h}:${port}\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\n\r\n`;
  return { name: 'ssdp-msearch', payload: enc.encode(text), replyFromAnyPort: true };
}

// --- memcached ---------------------------------------------------------------

/**
 * memcached over UDP (protocol.txt, "UDP protocol"): an 8-byte frame header
 * (request id, sequence 0, datagram count 1, reserved 0) then a text command.
 * The reply carries the same request id.
 */
export function memcachedStats(requestId = randomId16()): UdpPayload {
  return { name: 'memcached-stats', payload: concat([Uint8Array.from([...u16(requestId), 0, 0, 0, 1, 0, 0]), enc.encode('stats\r\n')]) };
}

// --- TFTP --------------------------------------------------------------------

/**
 * A TFTP read request (RFC 1350 §5) for a random file name in octet mode: a
 * server answers with an ERROR packet (file not found), which proves it is
 * there. The reply comes from a fresh port (the server's transfer id), hence
 * `replyFromAnyPort`.
 */
export function tftpReadRequest(filename = `wasmap-${randomBytes(6).toString('hex')}`): UdpPayload {
  const payload = concat([Uint8Array.from(u16(1)), enc.encode(filename), Uint8Array.of(0), enc.encode('octet'), Uint8Array.of(0)]);
  return { name: 'tftp-rrq', payload, replyFromAnyPort: true };
}

// --- ONC RPC -----------------------------------------------------------------

/**
 * An ONC RPC call (RFC 5531 §9) of procedure 0 (NULL) to the portmapper
 * (program 100000, version 2, RFC 1833), with AUTH_NONE credentials. Every
 * RPC server answers NULL with an empty accepted reply carrying our xid.
 */
export function rpcNullCall(xid = randomId31(), program = 100000, version = 2): UdpPayload {
  const words = [xid, 0 /* CALL */, 2 /* RPC version */, program, version, 0 /* NULL */, 0, 0 /* cred AUTH_NONE */, 0, 0 /* verf AUTH_NONE */];
  return { name: 'rpc-null', payload: Uint8Array.from(words.flatMap(u32)) };
}

// --- SQL Server Browser --------------------------------------------------------

/** MC-SQLR (Microsoft SQL Server Resolution Protocol) §2.2.2: CLNT_UCAST_EX, one byte 0x03. */
export function mssqlBrowser(): UdpPayload {
  return { name: 'mssql-browser', payload: Uint8Array.of(0x03) };
}

// --- the table -----------------------------------------------------------------

/** An empty datagram: the only honest thing to send to an unknown service. */
export function genericPayload(): UdpPayload {
  return { name: 'generic-empty', payload: new Uint8Array(0) };
}

/**
 * The payload for a port. Fresh random ids on every call. `ip` is only used
 * where the protocol names the target (SSDP's HOST); it defaults to loopback.
 */
export function udpPayload(port: number, ip = '127.0.0.1'): UdpPayload {
  switch (port) {
    case 53: return dnsVersionBind();
    case 69: return tftpReadRequest();
    case 111: return rpcNullCall();
    case 123: return ntpRequest(4);
    case 137: return netbiosNodeStatus();
    case 161: return snmpGetRequest({ version: 'v1' });
    case 1434: return mssqlBrowser();
    case 1900: return ssdpMSearch(ip, port);
    case 5353: return mdnsServices();
    case 5355: return llmnrQuery();
    case 11211: return memcachedStats();
    default: return genericPayload();
  }
}

/** Ports with a protocol payload (everything else gets an empty datagram). */
export const PAYLOAD_PORTS: readonly number[] = Object.freeze([53, 69, 111, 123, 137, 161, 1434, 1900, 5353, 5355, 11211]);
