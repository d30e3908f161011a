// The probe set: what service-simple sends to an open TCP port, in order.
// The probes themselves (payload, rarity, ports, wait) are those of our own
// database, db/service-db.txt; this file orders them for one port. Each probe
// opens its own connection.
//
// rarity: 1 (answers from many services, always worth sending) … 9 (rare);
// config `probe_rarity` keeps probes up to light=2, probable=5, default=7, all=9.
// ports: where the probe is tried first. services: what a reply to it can
// identify, so after a soft match only probes able to refine it are sent.

import { ownDb, servicesOf } from "./own-db";

export class Probe {
  constructor(
    public name: string,
    public payload: Uint8Array,
    public rarity: i32,
    /** Inclusive ranges as flat pairs lo,hi. */
    public ports: i32[],
    /** How long to wait for the first reply byte. */
    public waitMs: i32,
    public services: string[],
    /** Upgrade to TLS instead of sending `payload`, then look inside. */
    public tls: bool = false,
  ) {}

  forPort(port: i32): bool {
    for (let i = 0; i + 1 < this.ports.length; i += 2) if (port >= this.ports[i] && port <= this.ports[i + 1]) return true;
    return false;
  }
  canIdentify(service: string): bool { return this.services.includes(service); }
}

/** The probe whose payload is a TLS handshake by the SDK (its payload in the database is empty). */
export const TLS_PROBE = "TLSSessionReq";

/** What the hand-written matchers of matchers.ts identify in a reply to each probe (besides the database's lines). */
function handServices(name: string): string[] {
  if (name == "NULL") return ["ssh", "ftp", "smtp", "pop3", "imap", "mysql", "telnet", "rsync", "vnc"];
  if (name == "GenericLines") return ["ftp", "smtp", "pop3", "imap", "memcached", "redis", "postgresql", "ssl"];
  if (name == "GetRequest") return ["http", "https", "redis", "ssl"];
  if (name == TLS_PROBE) return ["ssl", "https"];
  if (name == "RedisInfo") return ["redis"];
  if (name == "MemcachedVersion") return ["memcached"];
  if (name == "DNSVersionBindReqTCP") return ["dns"];
  if (name == "PostgresSSLRequest") return ["postgresql"];
  if (name == "MQTTConnect") return ["mqtt"];
  return new Array<string>(0);
}

let all: Probe[] | null = null;

/** The probes in their default order: db/service-db.txt's, in file order. */
export function probes(): Probe[] {
  let out = all;
  if (out !== null) return out;
  out = new Array<Probe>(0);
  const db = ownDb();
  for (let i = 0; i < db.probes.length; i++) {
    const p = db.probes[i];
    if (!p.tcp) continue;
    const services = handServices(p.name);
    const own = servicesOf(p);
    for (let j = 0; j < own.length; j++) if (!services.includes(own[j])) services.push(own[j]);
    const wait = p.totalwaitms > 0 ? p.totalwaitms : 1000;
    out.push(new Probe(p.name, p.payload, p.rarity, p.ports, wait, services, p.name == TLS_PROBE));
  }
  all = out;
  return out;
}

/** The highest rarity a `probe_rarity` name keeps (BinaryEdge's names); unknown names act as `default`. */
export function rarityLimit(name: string): i32 {
  if (name == "light") return 2;
  if (name == "probable") return 5;
  if (name == "all") return 9;
  return 7;
}

/**
 * The order for one port: probes named in `prioritized` (in that order),
 * then NULL and those listing `port` (whatever their rarity), then the rest in
 * list order up to `maxRarity`.
 */
export function probeOrder(port: i32, maxRarity: i32, prioritized: string[]): Probe[] {
  const PROBES = probes();
  const out = new Array<Probe>(0);
  for (let i = 0; i < prioritized.length; i++) {
    for (let j = 0; j < PROBES.length; j++) {
      if (PROBES[j].name == prioritized[i] && !out.includes(PROBES[j])) out.push(PROBES[j]);
    }
  }
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < PROBES.length; j++) {
      const p = PROBES[j];
      if (out.includes(p)) continue;
      // NULL is always first among the rest: a service that speaks first answers it for free;
      // a probe that lists the port is sent whatever its rarity (as nmap does)
      if (pass == 0 && !(p.forPort(port) || p.name == "NULL")) continue;
      if (pass == 1 && p.rarity > maxRarity) continue;
      out.push(p);
    }
  }
  return out;
}
