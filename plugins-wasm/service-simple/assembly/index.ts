// service-simple: which service and version listens on an open TCP port.
// Sends the probes of probes.ts in order (each on a fresh connection), runs
// every reply through the match database of matchers.ts, stops at the first
// hard match and otherwise reports the best soft match, or the port table's
// guess (ports.ts) when nothing we recognise answered. Output follows
// BinaryEdge's service-simple: data.state.state and data.service.
import {
  Config, ECONNREFUSED, Input, MapWriter, Output, Service, Socket, errorName, nowMs, register, registerInit, statusForError,
} from "@wasmap/sdk-assemblyscript";
import { METHOD_EXTRACTION, Match, matchMqttBrokerVersion, matchReply } from "./matchers";
import { firstPublishPayload, subscribeVersion } from "./mqtt";
import { tableService } from "./ports";
import { PROBES, Probe, probeOrder, rarityLimit } from "./probes";
import { printable } from "./text";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

const MAX_REPLY: i32 = 16384; // bytes kept per probe reply
const TRAIL_MS: i32 = 250; // after the first bytes, how long a pause ends the reply

let maxRarity: i32 = 7;
let prioritized: string[] = new Array<string>(0);
let connectMs: i32 = 2000;
let budgetMs: i32 = 8500;

registerInit((c: Config): bool => {
  maxRarity = rarityLimit(c.getString("probe_rarity", "default"));
  prioritized = c.getStringList("prioritize_probes");
  connectMs = <i32>c.getInt("connect_timeout_ms", 2000);
  budgetMs = <i32>c.getInt("timeout_ms", 8500);
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
    const joined = new Uint8Array(buf.length + more.length);
    joined.set(buf, 0);
    joined.set(more!, buf.length);
    buf = joined;
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
    const joined = new Uint8Array(buf.length + more.length);
    joined.set(buf, 0);
    joined.set(more!, buf.length);
    buf = joined;
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

function runProbe(s: Scan, p: Probe): bool { return p.tls ? runTls(s, p) : runPlain(s, p); }

function tlsProbe(): Probe | null {
  for (let i = 0; i < PROBES.length; i++) if (PROBES[i].tls) return PROBES[i];
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
  s.deadline = nowMs() + <i64>budgetMs;

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
  for (let i = 0; i < order.length && !hard; i++) {
    if (s.left() < 100) break;
    const p = order[i];
    if (p.tls && s.tlsTried) continue;
    const best = s.best;
    // after a soft match, only probes that can refine it
    if (best !== null && !p.canIdentify(best.name) && !(best.needsTls && p.tls)) continue;
    hard = runProbe(s, p);
    // the first connection was refused: the port is not open (any more)
    if (!s.connected && s.connectError == ECONNREFUSED) {
      return Output.fail(statusForError(s.connectError, true), "connect: " + errorName(s.connectError));
    }
    const now = s.best;
    if (!hard && now !== null && now.needsTls && !s.tlsTried && tls !== null && s.left() >= 100) hard = runProbe(s, tls);
  }
  if (!s.connected) return Output.fail(statusForError(s.connectError, true), "connect: " + errorName(s.connectError));

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
  out.setData(data);
  return out;
}

register(run);
