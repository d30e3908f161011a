// The MQTT 3.1.1 subset the probe needs (OASIS standard,
// https://docs.oasis-open.org/mqtt/mqtt/v3.1.1/os/mqtt-v3.1.1-os.html):
// building CONNECT / SUBSCRIBE / DISCONNECT, and reading control packets
// (fixed header §2.2, CONNACK §3.2, PUBLISH §3.3) out of the bytes received
// so far. Pure functions over bytes, so every cut or hostile stream can be
// fed to them directly (test/harness).

import { utf8Lenient } from "@wasmap/sdk-assemblyscript";

export const NEED_MORE: i32 = 0;
export const COMPLETE: i32 = 1;
export const MALFORMED: i32 = 2;

export const CONNACK: u8 = 2;
export const PUBLISH: u8 = 3;
export const SUBACK: u8 = 9;

/** A larger packet is refused (the spec allows 256 MiB; the sandbox reads at most 4 MiB). */
export const MAX_PACKET: i32 = 1 << 20;

export class Packet {
  state: i32 = NEED_MORE;
  /** Control packet type, the high nibble of the first byte. */
  type: u8 = 0;
  /** The low nibble (PUBLISH: DUP, QoS, RETAIN). */
  flags: u8 = 0;
  /** Offset of the variable header in the buffer, and its length with the payload. */
  bodyStart: i32 = 0;
  bodyLength: i32 = 0;
  /** Bytes the whole packet takes, header included. */
  size: i32 = 0;
  /** Why it is MALFORMED. */
  reason: string = "";
}

/** The packet starting at `at` in `buf`; `maxSize` caps the remaining length. */
export function readPacket(buf: Uint8Array, at: i32, maxSize: i32 = MAX_PACKET): Packet {
  const p = new Packet();
  const n = buf.length;
  if (at >= n) return p;
  p.type = buf[at] >> 4;
  p.flags = buf[at] & 0x0f;
  if (p.type == 0 || p.type == 15) { p.state = MALFORMED; p.reason = "reserved packet type " + p.type.toString(); return p; }
  // remaining length: 1..4 bytes, 7 bits each, high bit = more (§2.2.3)
  let len: i32 = 0;
  let shift: i32 = 0;
  let i = at + 1;
  while (true) {
    if (i >= n) return p;
    const b = buf[i++];
    len |= (<i32>(b & 0x7f)) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
    if (shift >= 28) { p.state = MALFORMED; p.reason = "remaining length longer than 4 bytes"; return p; }
  }
  if (len > maxSize) { p.state = MALFORMED; p.reason = "packet of " + len.toString() + " bytes is over the " + maxSize.toString() + "-byte cap"; return p; }
  if (n - i < len) return p;
  p.bodyStart = i;
  p.bodyLength = len;
  p.size = i + len - at;
  p.state = COMPLETE;
  return p;
}

export class Connack {
  ok: bool = false;
  sessionPresent: bool = false;
  returnCode: i32 = -1;
}

export function parseConnack(buf: Uint8Array, p: Packet): Connack {
  const c = new Connack();
  if (p.type != CONNACK || p.bodyLength != 2) return c;
  c.sessionPresent = (buf[p.bodyStart] & 1) != 0;
  c.returnCode = buf[p.bodyStart + 1];
  c.ok = true;
  return c;
}

/** CONNACK return codes (§3.2.2.3). */
export function returnCodeName(rc: i32): string {
  if (rc == 0) return "accepted";
  if (rc == 1) return "unacceptable protocol version";
  if (rc == 2) return "identifier rejected";
  if (rc == 3) return "server unavailable";
  if (rc == 4) return "bad user name or password";
  if (rc == 5) return "not authorized";
  return "unknown return code " + rc.toString();
}

export class Publish {
  ok: bool = false;
  topic: string = "";
  /** The whole payload; the probe keeps a capped preview of it. */
  payload: Uint8Array = new Uint8Array(0);
  qos: i32 = 0;
  retained: bool = false;
  reason: string = "";
}

export function parsePublish(buf: Uint8Array, p: Packet): Publish {
  const m = new Publish();
  if (p.type != PUBLISH) { m.reason = "not a PUBLISH"; return m; }
  m.qos = (p.flags >> 1) & 3;
  m.retained = (p.flags & 1) != 0;
  if (m.qos == 3) { m.reason = "PUBLISH with QoS 3"; return m; }
  const end = p.bodyStart + p.bodyLength;
  let i = p.bodyStart;
  if (end - i < 2) { m.reason = "PUBLISH without a topic length"; return m; }
  const tlen = (<i32>buf[i] << 8) | <i32>buf[i + 1];
  i += 2;
  if (tlen == 0 || end - i < tlen) { m.reason = "PUBLISH topic length past the packet"; return m; }
  m.topic = utf8Lenient(buf, i, i + tlen);
  i += tlen;
  if (m.qos > 0) {
    if (end - i < 2) { m.reason = "PUBLISH without a packet identifier"; return m; }
    i += 2;
  }
  m.payload = buf.slice(i, end);
  m.ok = true;
  return m;
}

function pushString(out: u8[], s: string): void {
  const b = Uint8Array.wrap(String.UTF8.encode(s));
  out.push(<u8>(b.length >> 8));
  out.push(<u8>(b.length & 0xff));
  for (let i = 0; i < b.length; i++) out.push(b[i]);
}

/** Fixed header + body, with the remaining length encoded (§2.2.3). */
function frame(first: u8, body: u8[]): Uint8Array {
  const head: u8[] = [first];
  let len = body.length;
  do {
    let b = <u8>(len & 0x7f);
    len >>= 7;
    if (len > 0) b |= 0x80;
    head.push(b);
  } while (len > 0);
  const out = new Uint8Array(head.length + body.length);
  for (let i = 0; i < head.length; i++) out[i] = head[i];
  for (let i = 0; i < body.length; i++) out[head.length + i] = body[i];
  return out;
}

/** CONNECT, MQTT 3.1.1 (level 4), clean session, no will, no credentials (§3.1). */
export function connectPacket(clientId: string, keepAliveSeconds: i32): Uint8Array {
  const body: u8[] = [];
  pushString(body, "MQTT");
  body.push(4);
  body.push(0x02);
  body.push(<u8>(keepAliveSeconds >> 8));
  body.push(<u8>(keepAliveSeconds & 0xff));
  pushString(body, clientId);
  return frame(0x10, body);
}

/** SUBSCRIBE to each filter at QoS 0 (§3.8; the fixed-header flags must be 0010). */
export function subscribePacket(packetId: i32, filters: string[]): Uint8Array {
  const body: u8[] = [<u8>(packetId >> 8), <u8>(packetId & 0xff)];
  for (let i = 0; i < filters.length; i++) {
    pushString(body, filters[i]);
    body.push(0);
  }
  return frame(0x82, body);
}

export function disconnectPacket(): Uint8Array {
  const b = new Uint8Array(2);
  b[0] = 0xe0;
  return b;
}
