// The probe set: what service-simple sends to an open TCP port, in order.
// Written for wasmap from the protocols' own specifications (nothing here is
// taken from nmap-service-probes). Each probe opens its own connection.
//
// rarity: 1 (answers from many services, always worth sending) … 9 (rare);
// config `probe_rarity` keeps probes up to light=2, probable=5, default=7, all=9.
// ports: where the probe is tried first. services: what a reply to it can
// identify, so after a soft match only probes able to refine it are sent.

export class Probe {
  constructor(
    public name: string,
    public payload: Uint8Array,
    public rarity: i32,
    public ports: i32[],
    /** How long to wait for the first reply byte. */
    public waitMs: i32,
    public services: string[],
    /** Upgrade to TLS instead of sending `payload`, then look inside. */
    public tls: bool = false,
  ) {}

  forPort(port: i32): bool { return this.ports.includes(port); }
  canIdentify(service: string): bool { return this.services.includes(service); }
}

function text(s: string): Uint8Array { return Uint8Array.wrap(String.UTF8.encode(s)); }

function bytes(a: u8[]): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

/** MQTT 3.1.1 CONNECT (spec §3.1): clean session, keep-alive 60 s, client id "wasmap". */
function mqttConnect(): Uint8Array {
  return bytes([0x10, 18, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60, 0, 6, 0x77, 0x61, 0x73, 0x6d, 0x61, 0x70]);
}

/** DNS over TCP (RFC 1035 §4.2.2): TXT query for version.bind in class CHAOS. */
function dnsVersionBind(): Uint8Array {
  return bytes([
    0, 30, // length prefix
    0x77, 0x61, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, // id "wa", no flags, one question
    7, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 4, 0x62, 0x69, 0x6e, 0x64, 0, // version.bind
    0, 16, 0, 3, // TXT, CH
  ]);
}

/** PostgreSQL SSLRequest (protocol §55.2.10): length 8, code 80877103; the server answers one byte. */
function pgSslRequest(): Uint8Array { return bytes([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]); }

const WEB_PORTS: i32[] = [80, 81, 591, 3000, 5000, 8000, 8008, 8080, 8081, 8088, 8888, 9000, 9090];
const TLS_PORTS: i32[] = [443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 6697, 8443, 9443];
const FIRST_SPEAKERS: string[] = ["ssh", "ftp", "smtp", "pop3", "imap", "mysql", "telnet", "rsync", "vnc"];

/** The probes in their default order. */
export const PROBES: Probe[] = [
  new Probe("NULL", new Uint8Array(0), 1, [], 1500, FIRST_SPEAKERS),
  new Probe("GenericLines", text("\r\n\r\n"), 1, [21, 23, 25, 110, 143, 11211], 1000, ["ftp", "smtp", "pop3", "imap", "memcached", "redis", "postgresql", "ssl"]),
  new Probe("GetRequest", text("GET / HTTP/1.0\r\n\r\n"), 1, WEB_PORTS, 1500, ["http", "https", "redis", "ssl"]),
  new Probe("TLSSessionReq", new Uint8Array(0), 1, TLS_PORTS, 2000, ["ssl", "https"], true),
  new Probe("RedisInfo", text("*1\r\n$4\r\nINFO\r\n"), 3, [6379, 6380], 1000, ["redis"]),
  new Probe("MemcachedVersion", text("version\r\n"), 3, [11211], 1000, ["memcached"]),
  new Probe("DNSVersionBindReqTCP", dnsVersionBind(), 3, [53], 1000, ["dns"]),
  new Probe("PostgresSSLRequest", pgSslRequest(), 4, [5432, 5433], 1000, ["postgresql"]),
  new Probe("MQTTConnect", mqttConnect(), 4, [1883], 1000, ["mqtt"]),
];

/** The highest rarity a `probe_rarity` name keeps (BinaryEdge's names); unknown names act as `default`. */
export function rarityLimit(name: string): i32 {
  if (name == "light") return 2;
  if (name == "probable") return 5;
  if (name == "all") return 9;
  return 7;
}

/**
 * The order for one port: probes named in `prioritized` (in that order),
 * then those listing `port`, then the rest in list order; all above `maxRarity`
 * dropped, except prioritized ones (asked for by name).
 */
export function probeOrder(port: i32, maxRarity: i32, prioritized: string[]): Probe[] {
  const out = new Array<Probe>(0);
  for (let i = 0; i < prioritized.length; i++) {
    for (let j = 0; j < PROBES.length; j++) {
      if (PROBES[j].name == prioritized[i] && !out.includes(PROBES[j])) out.push(PROBES[j]);
    }
  }
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < PROBES.length; j++) {
      const p = PROBES[j];
      if (p.rarity > maxRarity || out.includes(p)) continue;
      // NULL is always first among the rest: a service that speaks first answers it for free
      if (pass == 0 && !(p.forPort(port) || p.name == "NULL")) continue;
      out.push(p);
    }
  }
  return out;
}
