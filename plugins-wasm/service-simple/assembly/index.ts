// service-simple: which service and version listens on an open TCP port.
// Sends the probes of probes.ts in order (each on a fresh connection), runs
// every reply through the match database of matchers.ts, stops at the first
// hard match and otherwise reports the best soft match, or the port table's
// guess (ports.ts) when nothing we recognise answered. Output follows
// BinaryEdge's service-simple: data.state.state and data.service.
import {
  Config, ECONNREFUSED, Input, MapWriter, concatBytes, latin1, Output, Service, Socket, deadlineIn, errorName, nowMs, register, registerInit,
  statusForError,
} from "@wasmap/sdk-assemblyscript";
import { METHOD_EXTRACTION, Match, matchMqttBrokerVersion, matchReply } from "./matchers";
import { firstPublishPayload, subscribeVersion } from "./mqtt";
import { tableService } from "./ports";
import { Probe, probeOrder, probes, rarityLimit } from "./probes";
import { NmapDb, NmapProbe, breathStart, matchNmapReply, nmapDb, nmapOrder } from "./nmap-probes";
import { printable } from "./text";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

const MAX_REPLY: i32 = 16384; // bytes kept per probe reply
const TRAIL_MS: i32 = 250; // after the first bytes, how long a pause ends the reply
// nmap waits up to 5 s per probe; within a 10 s wall limit a silent port would exhaust the budget on one probe
const NMAP_WAIT_MS: i32 = 1000;

let maxRarity: i32 = 7;
let prioritized: string[] = new Array<string>(0);
let connectMs: i32 = 2000;
let budgetMs: i32 = 8500;
/** The text of a user-installed nmap-service-probes (opt-in), "" when not given. */
let nmapText: string = "";

registerInit((c: Config): bool => {
  maxRarity = rarityLimit(c.getString("probe_rarity", "default"));
  prioritized = c.getStringList("prioritize_probes");
  connectMs = <i32>c.getInt("connect_timeout_ms", 2000);
  budgetMs = <i32>c.getInt("timeout_ms", 8500);
  nmapText = c.getString("nmap_probes", "");
  return true;
});

/** What one invocation learnt so far. */
class Scan {
  host: string = "";
  sni: string = "";
  port: i32 = 0;
  deadline: i64 = 0;
  connected: bool = false;
  connectError: i32 = 0;
  best: Match | null = null;
  bestProbe: string = "";
  bestBanner: Uint8Array | null = null;
  /** The first reply of all, kept as the banner when nothing matched. */
  anyReply: Uint8Array | null = null;
  tlsTried: bool = false;
  /** The nmap database when this invocation used it, and what loading it cost. */
  nmap: NmapDb | null = null;
  nmapParsed: bool = false;
  nmapParseMs: i64 = 0;
  nmapProbesSent: i32 = 0;
  /** Payloads sent on plain connections and their replies, so an nmap probe with the same bytes is not sent again. */
  sent: Uint8Array[] = new Array<Uint8Array>(0);
  replies: Uint8Array[] = new Array<Uint8Array>(0);

  left(): i32 { return <i32>max<i64>(0, this.deadline - nowMs()); }
}

/** Reads one reply: up to `waitMs` for the first bytes, then until a short pause, close, or the cap. */
function readReply(sock: Socket, s: Scan, waitMs: i32): Uint8Array {
  const first = sock.recv(4096, min(waitMs, s.left()));
  if (first === null || first.length == 0) return new Uint8Array(0);
  let buf: Uint8Array = first!;
  while (buf.length < MAX_REPLY && s.left() > 0) {
    const more = sock.recv(MAX_REPLY - buf.length, min(TRAIL_MS, s.left()));
    if (more === null || more.length == 0) break;
    buf = concatBytes(buf, more!);
  }
  return buf;
}

function open(s: Scan): Socket | null {
  const sock = Socket.connect(s.host, s.port, min(connectMs, max(1, s.left())));
  if (!sock.ok) {
    if (s.connectError == 0) s.connectError = sock.error;
    return null;
  }
  s.connected = true;
  return sock;
}

/** Records a match; returns true when it is hard (the search ends). */
function consider(s: Scan, m: Match | null, probe: string, reply: Uint8Array): bool {
  if (reply.length > 0 && s.anyReply === null) s.anyReply = reply;
  if (m === null) return false;
  const old = s.best;
  if (!m.soft || old === null || old.needsTls || (m.product.length > 0 && old.product.length == 0)) {
    s.best = m;
    s.bestProbe = probe;
    s.bestBanner = reply;
  }
  return !m.soft;
}

/** After an accepted MQTT CONNECT, asks the broker for its version on the same connection. */
function mqttFollowUp(sock: Socket, s: Scan, m: Match): void {
  if (!m.extrainfo.startsWith("connection accepted")) return;
  if (sock.send(subscribeVersion()) < 0) return;
  let buf = new Uint8Array(0);
  const until = nowMs() + <i64>min(1000, s.left());
  while (nowMs() < until) {
    const more = sock.recv(2048, <i32>max<i64>(1, until - nowMs()));
    if (more === null || more.length == 0) break;
    buf = concatBytes(buf, more!);
    const payload = firstPublishPayload(buf);
    if (payload !== null) { matchMqttBrokerVersion(payload, m); return; }
    if (buf.length > 4096) return;
  }
}

/** One plaintext probe on a fresh connection; true on a hard match. */
function runPlain(s: Scan, p: Probe): bool {
  const sock = open(s);
  if (sock === null) return false;
  if (p.payload.length > 0 && sock.send(p.payload) < 0) { sock.close(); return false; }
  const reply = readReply(sock, s, p.waitMs);
  s.sent.push(p.payload);
  s.replies.push(reply);
  const m = matchReply(p.name, reply);
  if (m !== null && m.name == "mqtt") mqttFollowUp(sock, s, m);
  sock.close();
  return consider(s, m, p.name, reply);
}

/** Name of a TLS-wrapped service (`https` for HTTP inside TLS, `ssl/<name>` otherwise). */
function tlsName(inner: string): string {
  if (inner == "http" || inner == "https") return "https";
  if (inner == "smtp") return "smtps";
  if (inner == "imap") return "imaps";
  if (inner == "pop3") return "pop3s";
  if (inner == "ftp") return "ftps";
  if (inner == "nntp") return "nntps";
  if (inner == "irc") return "ircs";
  return "ssl/" + inner;
}

/** The TLS probe: handshake, then listen (servers that speak first), else HTTP GET inside. */
function runTls(s: Scan, p: Probe): bool {
  s.tlsTried = true;
  const sock = open(s);
  if (sock === null) return false;
  if (sock.tlsUpgrade(s.sni, min(p.waitMs, max(1, s.left()))) < 0) { sock.close(); return false; }
  const info = sock.tlsInfo();
  const tlsVersion = info !== null ? info.version : "";
  let reply = readReply(sock, s, 500);
  let m = matchReply("NULL", reply);
  let probeName = p.name;
  if (m === null && reply.length == 0 && sock.sendString("GET / HTTP/1.0\r\n\r\n") >= 0) {
    reply = readReply(sock, s, p.waitMs);
    m = matchReply("GetRequest", reply);
    probeName = p.name + "+GetRequest";
  }
  sock.close();
  if (m === null) {
    m = Match.soft("ssl");
  } else {
    m.name = tlsName(m.name);
    m.needsTls = false;
  }
  if (tlsVersion.length > 0) m.extrainfo = m.extrainfo.length > 0 ? m.extrainfo + "; " + tlsVersion : tlsVersion;
  return consider(s, m, probeName, reply);
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

let lastDb: NmapDb | null = null;

/** `data.nmap_probes`: what the opt-in database held and did in this invocation. */
function nmapStats(s: Scan, db: NmapDb): MapWriter {
  return new MapWriter()
    .bool("refused", db.refused)
    .int("probes", db.probes.length)
    .int("matches", db.matchCount)
    .int("softmatches", db.softCount)
    .int("skipped_lines", db.skipped)
    .int("regex_compiled", db.compiledOk)
    .int("regex_failed", db.compileFailed)
    .int("regex_aborted", db.aborted)
    .int("out_of_time", db.outOfTime)
    .bool("parsed", s.nmapParsed)
    .int("load_ms", s.nmapParseMs)
    .int("probes_sent", s.nmapProbesSent);
}

/** The reply to one nmap probe: the one already read for the same payload, else a fresh connection. */
function nmapReply(s: Scan, p: NmapProbe): Uint8Array | null {
  for (let i = 0; i < s.sent.length; i++) if (sameBytes(s.sent[i], p.payload)) return s.replies[i];
  const sock = open(s);
  if (sock === null) return null;
  s.nmapProbesSent++;
  if (p.payload.length > 0 && sock.send(p.payload) < 0) { sock.close(); return null; }
  const wait = p.totalwaitms > 0 ? min(p.totalwaitms, NMAP_WAIT_MS) : NMAP_WAIT_MS;
  const reply = readReply(sock, s, wait);
  sock.close();
  s.sent.push(p.payload);
  s.replies.push(reply);
  return reply;
}

/** Our service names where nmap's differ. */
function nmapName(ours: string): string {
  if (ours == "dns") return "domain";
  return ours;
}

/** Worth asking nmap's database: nothing, a soft match, or a hard one without version, and not a TLS-wrapped result. */
function wantsNmap(s: Scan): bool {
  const b = s.best;
  if (b === null) return true;
  if (b.needsTls || s.bestProbe.startsWith("TLSSessionReq")) return false;
  return b.soft || b.version.length == 0;
}

/**
 * The opt-in phase: nmap's TCP probes in nmap's order within the time left.
 * What we already know restricts it as a softmatch does in nmap: only probes
 * that can hard-match that service are sent. A hard match ends it; nmap's
 * `ssl` sends us to our TLS probe.
 */
function runNmap(s: Scan, db: NmapDb, tls: Probe | null): void {
  const order = nmapOrder(db, s.port, maxRarity);
  const known = s.best;
  let restrict = known !== null ? nmapName(known.name) : "";
  for (let i = 0; i < order.length; i++) {
    if (s.left() < 100) break;
    const p = order[i];
    if (restrict.length > 0 && !p.canIdentify(restrict)) continue;
    const reply = nmapReply(s, p);
    if (reply === null || reply.length == 0) continue;
    breathStart();
    const m = matchNmapReply(db, p, latin1(reply), restrict, s.deadline);
    if (m === null) continue;
    if (m.name == "ssl" && tls !== null) {
      if (!s.tlsTried && s.left() >= 100) runTls(s, tls);
      return;
    }
    if (m.soft && restrict.length == 0) restrict = m.name;
    const b = s.best;
    // nmap's softmatches may carry a version ("PostgreSQL DB 9.6.0 or later"): for the service we
    // already know, that refines our match and keeps its certainty
    if (m.soft && b !== null && nmapName(b.name) == m.name && b.version.length == 0 && m.version.length > 0) {
      m.soft = b.soft;
      m.name = b.name;
      if (m.extrainfo.length == 0) m.extrainfo = b.extrainfo;
    }
    // a hard match ends nmap's search too; one that says no more than our own hard match leaves ours
    if (!m.soft && b !== null && !b.soft && m.version.length == 0 && nmapName(b.name) == m.name) return;
    if (consider(s, m, p.name, reply)) return;
  }
}

function runProbe(s: Scan, p: Probe): bool { return p.tls ? runTls(s, p) : runPlain(s, p); }

function tlsProbe(): Probe | null {
  const all = probes();
  for (let i = 0; i < all.length; i++) if (all[i].tls) return all[i];
  return null;
}

function serviceMap(s: Scan, name: string, m: Match | null, method: string, confidence: f64): MapWriter {
  const w = new MapWriter().str("name", name);
  if (m !== null) {
    if (m.product.length > 0) w.str("product", m.product);
    if (m.version.length > 0) w.str("version", m.version);
    w.strArray("cpe", m.cpe);
    if (m.extrainfo.length > 0) w.str("extrainfo", m.extrainfo);
    if (m.ostype.length > 0) w.str("ostype", m.ostype);
    if (m.hostname.length > 0) w.str("hostname", m.hostname);
    if (m.devicetype.length > 0) w.str("device", m.devicetype);
    if (m.source.length > 0) w.str("source", m.source);
  } else {
    w.strArray("cpe", new Array<string>(0));
  }
  w.str("method", method);
  w.str("probe", s.bestProbe);
  const banner = m !== null ? s.bestBanner : s.anyReply;
  w.str("banner", banner !== null ? printable(banner) : "");
  w.float("confidence", confidence);
  return w;
}

/** The result's `service` (ABI §7 + A8): the same fields as `data.service` but hostname and device, which it has no keys for. */
function sdkService(s: Scan, name: string, m: Match | null, method: string, confidence: f64): Service {
  const v = new Service(name);
  if (m !== null) {
    v.product = m.product;
    v.version = m.version;
    v.cpe = m.cpe;
    v.extrainfo = m.extrainfo;
    v.ostype = m.ostype;
  }
  v.method = method;
  v.probe = s.bestProbe;
  const banner = m !== null ? s.bestBanner : s.anyReply;
  v.banner = banner !== null ? printable(banner) : "";
  v.confidence = confidence;
  return v;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail("application-error", "no target in the input");
  const s = new Scan();
  s.host = t.ip.length > 0 ? t.ip : t.host;
  s.sni = t.hostname;
  s.port = t.port;
  s.deadline = deadlineIn(budgetMs); // never past the wall time, however it was set

  let order = probeOrder(t.port, maxRarity, prioritized);
  const tls = tlsProbe();
  // the host already knows this port speaks TLS: handshake first
  if (t.tls && tls !== null) {
    const rest = new Array<Probe>(0);
    rest.push(tls);
    for (let i = 0; i < order.length; i++) if (order[i] !== tls) rest.push(order[i]);
    order = rest;
  }
  let hard = false;
  let greetedUnknown = false;
  // with the opt-in nmap database, our own probes leave it half the budget: our
  // database has ~90 probes, and on a service that greets with something we do
  // not know every one of them would get an answer and use its time
  const ownUntil = nmapText.length > 0 ? nowMs() + <i64>(s.left() / 2) : s.deadline;
  for (let i = 0; i < order.length && !hard; i++) {
    if (s.left() < 100 || nowMs() >= ownUntil) break;
    const p = order[i];
    if (p.tls && s.tlsTried) continue;
    const best = s.best;
    // after a soft match, only probes that can refine it
    if (best !== null && !p.canIdentify(best.name) && !(best.needsTls && p.tls)) continue;
    // a server that spoke first with a greeting nothing knows is no client-first protocol:
    // of the rest, only the light probes and the port's own (each would get the greeting again)
    if (greetedUnknown && p.rarity > 1 && !p.forPort(t.port) && !prioritized.includes(p.name)) continue;
    hard = runProbe(s, p);
    if (p.name == "NULL" && s.best === null && s.anyReply !== null) greetedUnknown = true;
    // the first connection was refused: the port is not open (any more)
    if (!s.connected && s.connectError == ECONNREFUSED) {
      return Output.fail(statusForError(s.connectError, true), "connect: " + errorName(s.connectError));
    }
    const now = s.best;
    if (!hard && now !== null && now.needsTls && !s.tlsTried && tls !== null && s.left() >= 100) hard = runProbe(s, tls);
  }
  if (!s.connected) return Output.fail(statusForError(s.connectError, true), "connect: " + errorName(s.connectError));
  if (nmapText.length > 0 && wantsNmap(s)) {
    const before = nowMs();
    const db = nmapDb(nmapText);
    s.nmap = db;
    s.nmapParsed = db !== lastDb;
    s.nmapParseMs = nowMs() - before;
    lastDb = db;
    runNmap(s, db, tls);
  }

  // no summary (A8): the table's headline is this service already
  let svc: MapWriter;
  const out = new Output();
  const best = s.best;
  if (best !== null) {
    svc = serviceMap(s, best.name, best, best.method, best.confidence);
    out.service = sdkService(s, best.name, best, best.method, best.confidence);
  } else {
    const guess = tableService(t.port);
    const name = guess.length > 0 ? guess : "unknown";
    const confidence = guess.length > 0 ? 0.3 : 0.1;
    svc = serviceMap(s, name, null, "table_default", confidence);
    out.service = sdkService(s, name, null, "table_default", confidence);
  }
  // data.service keeps BinaryEdge's service-simple shape (every key, hostname and device too)
  const data = new MapWriter().map("state", new MapWriter().str("state", "open")).map("service", svc);
  const db = s.nmap;
  if (db !== null) data.map("nmap_probes", nmapStats(s, db));
  out.setData(data);
  return out;
}

register(run);
