// mqtt: a wasmap scanner for MQTT brokers (1883, 8883 over TLS; MQTT 3.1.1).
// Sends CONNECT with a clean session, a random client id and no credentials,
// and reports the CONNACK answer: return code 4/5 means the broker wants
// credentials. If it accepts, subscribes to `#` and `$SYS/#` at QoS 0 and
// collects the topics it is sent (retained ones arrive at once) for
// `listen_ms`, then sends DISCONNECT. Publishes nothing.
import {
  ArrayWriter, ETIMEDOUT, Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Service, Socket,
  deadlineIn, errorName, msUntil, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import {
  Connack, MALFORMED, NEED_MORE, PUBLISH, Packet, SUBACK, connectPacket, disconnectPacket,
  parseConnack, parsePublish, readPacket, returnCodeName, subscribePacket,
} from "./mqtt";
import { utf8Lenient } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** Most bytes read in all (the sandbox's recv limit is 4 MiB): reaching it ends listening like the clock would. */
const MAX_LISTEN_BYTES: i32 = 2 << 20;

class Topic {
  constructor(public topic: string, public payload: Uint8Array, public length: i32, public retained: bool) {}
}

/** Everything learnt so far: each step adds to it, so a failure still reports the rest. */
class Session {
  connack: Connack | null = null;
  topics: Topic[] = [];
  seen: Set<string> = new Set<string>();
  events: i32 = 0;
  bytes: i64 = 0;
  truncated: bool = false;
  subscribeRefused: bool = false;
  brokerVersion: string = "";
  tlsVersion: string = "";
  tlsCipher: string = "";
}

/** The socket's bytes not yet parsed. */
let buf = new Uint8Array(0);
let used = 0;
let received = 0;

function randomHex(n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += (<i32>Math.floor(Math.random() * 16)).toString(16);
  return s;
}

/** The next whole packet, reading as needed until `deadline`; state NEED_MORE with `sock.error` on failure. */
function nextPacket(sock: Socket, deadline: i64): Packet {
  while (true) {
    const p = readPacket(buf, used);
    if (p.state != NEED_MORE) return p;
    const left = msUntil(deadline);
    if (left == 0) { sock.error = ETIMEDOUT; return p; }
    if (received >= MAX_LISTEN_BYTES) { sock.error = ETIMEDOUT; return p; }
    const got = sock.recv(min(65536, MAX_LISTEN_BYTES - received), left);
    if (got === null) return p;
    const chunk = got!;
    if (chunk.length == 0) { sock.error = 0; return p; }
    received += chunk.length;
    // drop what was parsed, append what came
    const rest = buf.length - used;
    const joined = new Uint8Array(rest + chunk.length);
    joined.set(buf.subarray(used), 0);
    joined.set(chunk, rest);
    buf = joined;
    used = 0;
  }
}

function data(s: Session): MapWriter {
  const m = new MapWriter();
  const c = s.connack;
  const accepted = c !== null && c.returnCode == 0;
  m.bool("connected", accepted);
  if (c !== null) {
    m.map("connack", new MapWriter().int("return_code", c.returnCode).str("return_code_name", returnCodeName(c.returnCode)).bool("session_present", c.sessionPresent));
    m.bool("auth_required", c.returnCode == 4 || c.returnCode == 5);
  }
  const a = new ArrayWriter();
  for (let i = 0; i < s.topics.length; i++) {
    const t = s.topics[i];
    a.map(new MapWriter().str("topic", t.topic).bin("payload", t.payload).int("payload_length", t.length).bool("retained", t.retained));
  }
  m.array("topics", a);
  m.int("num_topics", s.topics.length).int("num_events", s.events).int("bytes_captured", s.bytes);
  if (s.truncated) m.bool("topics_truncated", true);
  if (s.subscribeRefused) m.bool("subscribe_refused", true);
  if (s.tlsVersion.length > 0) m.map("tls", new MapWriter().str("version", s.tlsVersion).str("cipher", s.tlsCipher));
  return m;
}

/** The table's line (A8): can anyone connect, and how much do they hear. */
function summary(c: Connack, s: Session): string {
  if (c.returnCode == 4 || c.returnCode == 5) return "auth required";
  if (c.returnCode != 0) return "refused: " + returnCodeName(c.returnCode);
  const n = s.topics.length;
  let line = "no auth; " + n.toString() + (s.truncated ? "+" : "") + (n == 1 && !s.truncated ? " topic" : " topics") + " seen";
  if (s.subscribeRefused) line += "; a subscription was refused";
  return line;
}

function result(s: Session, status: string, error: string): Output {
  const out = Output.fail(status, error);
  const c = s.connack;
  if (c === null) return out;
  out.setData(data(s));
  if (status == "success") out.summary = summary(c, s);
  const svc = new Service("mqtt");
  svc.confidence = 1.0;
  const v = s.brokerVersion;
  if (v.startsWith("mosquitto version ")) {
    svc.product = "Mosquitto";
    svc.version = v.substring(18);
    svc.addVersionCpe("eclipse", "mosquitto");
  } else if (v.length > 0) svc.extrainfo = v;
  out.service = svc;
  return out;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const listenMs = <i32>input.config.getInt("listen_ms", 3000);
  const maxTopics = <i32>input.config.getInt("max_topics", 100);
  const maxPayload = <i32>input.config.getInt("max_payload", 256);
  buf = new Uint8Array(0);
  used = 0;
  received = 0;
  const s = new Session();

  // every wait ends inside the invocation's wall time, so a slow server still yields a partial result
  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout)));
  if (!sock.ok) return Output.ioFail(sock.error, true);
  if (t.tls || t.port == 8883) {
    if (sock.tlsUpgrade(t.hostname, msUntil(deadlineIn(timeout))) < 0) return Output.fail(statusForError(sock.error), "TLS: " + errorName(sock.error));
    const info = sock.tlsInfo();
    if (info !== null) { s.tlsVersion = info.version; s.tlsCipher = info.cipher; }
  }
  if (sock.send(connectPacket("wasmap-" + randomHex(12), 60)) < 0) return Output.ioFail(sock.error);

  const p = nextPacket(sock, deadlineIn(timeout));
  if (p.state == MALFORMED) return Output.fail(STATUS_PROTOCOL_ERROR, p.reason);
  if (p.state == NEED_MORE) {
    if (sock.error == 0) return Output.fail(STATUS_PROTOCOL_ERROR, "connection closed before CONNACK");
    return Output.ioFail(sock.error);
  }
  const c = parseConnack(buf, p);
  if (!c.ok) return Output.fail(STATUS_PROTOCOL_ERROR, "first packet is not a CONNACK (type " + p.type.toString() + ")");
  used += p.size;
  s.connack = c;
  if (c.returnCode != 0) { sock.close(); return result(s, "success", ""); }

  const filters: string[] = ["#", "$SYS/#"];
  if (sock.send(subscribePacket(1, filters)) < 0) return result(s, statusForError(sock.error), errorName(sock.error));
  const deadline = deadlineIn(listenMs);
  let status = "success";
  let error = "";
  while (true) {
    const q = nextPacket(sock, deadline);
    if (q.state == MALFORMED) { status = STATUS_PROTOCOL_ERROR; error = q.reason; break; }
    if (q.state == NEED_MORE) {
      // the listening time ending is the normal way out
      if (sock.error != 0 && sock.error != ETIMEDOUT) { status = statusForError(sock.error); error = errorName(sock.error); }
      break;
    }
    if (q.type == PUBLISH) {
      const m = parsePublish(buf, q);
      if (!m.ok) { status = STATUS_PROTOCOL_ERROR; error = m.reason; break; }
      s.events++;
      s.bytes += m.payload.length;
      if (m.topic == "$SYS/broker/version") s.brokerVersion = utf8Lenient(m.payload, 0, min(m.payload.length, 256));
      if (!s.seen.has(m.topic)) {
        s.seen.add(m.topic);
        s.topics.push(new Topic(m.topic, m.payload.slice(0, min(maxPayload, m.payload.length)), m.payload.length, m.retained));
        if (s.topics.length >= maxTopics) { s.truncated = true; used += q.size; break; }
      }
    } else if (q.type == SUBACK) {
      // return codes after the packet id: 0x80 is failure (e.g. $SYS/# denied by ACL)
      for (let i = q.bodyStart + 2; i < q.bodyStart + q.bodyLength; i++) if (buf[i] == 0x80) s.subscribeRefused = true;
    }
    used += q.size;
  }
  sock.send(disconnectPacket());
  sock.close();
  return result(s, status, error);
}

register(run);
