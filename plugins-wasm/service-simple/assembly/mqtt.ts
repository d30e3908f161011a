// MQTT 3.1.1 follow-up after an accepted CONNECT: subscribe to the broker's
// own `$SYS/broker/version` topic (published retained by Mosquitto and
// others) and read the first PUBLISH. Parsing is bounded: at most 4 length
// bytes per packet, every field checked against what was received.
import { latin1 } from "@wasmap/sdk-assemblyscript";

/** SUBSCRIBE (spec §3.8), packet id 1, QoS 0, topic `$SYS/broker/version`. */
export function subscribeVersion(): Uint8Array {
  const topic = "$SYS/broker/version";
  const out = new Uint8Array(2 + 2 + 2 + topic.length + 1);
  out[0] = 0x82;
  out[1] = <u8>(2 + 2 + topic.length + 1);
  out[2] = 0; out[3] = 1; // packet id
  out[4] = 0; out[5] = <u8>topic.length;
  for (let i = 0; i < topic.length; i++) out[6 + i] = <u8>topic.charCodeAt(i);
  out[6 + topic.length] = 0; // requested QoS
  return out;
}

/**
 * The payload of the first complete PUBLISH packet in `b` (text, latin1), or
 * null when none is complete yet. Other packets (SUBACK) are skipped.
 */
export function firstPublishPayload(b: Uint8Array): string | null {
  let i = 0;
  while (i < b.length) {
    const type = <i32>b[i] >> 4;
    const flags = <i32>b[i] & 15;
    // remaining length: 1..4 bytes, 7 bits each (spec §2.2.3)
    let len = 0;
    let mul = 1;
    let j = i + 1;
    let done = false;
    for (let k = 0; k < 4; k++) {
      if (j >= b.length) return null;
      const c = <i32>b[j++];
      len += (c & 127) * mul;
      mul *= 128;
      if ((c & 128) == 0) { done = true; break; }
    }
    if (!done) return null;
    if (j + len > b.length) return null;
    if (type == 3) {
      if (len < 2) return null;
      const tlen = (<i32>b[j] << 8) | <i32>b[j + 1];
      let p = j + 2 + tlen;
      if (((flags >> 1) & 3) > 0) p += 2; // packet id for QoS 1/2
      if (p > j + len) return null;
      return latin1(b.subarray(p, j + len));
    }
    i = j + len;
  }
  return null;
}
