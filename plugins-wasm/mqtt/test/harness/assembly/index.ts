// Parser harness: `banner` is the byte stream a broker sent after CONNECT.
// Reads every packet of it, then does the same for every proper prefix (a
// stream cut short), and reports what happened.
import { ArrayWriter, Input, MapWriter, Output, register } from "@wasmap/sdk-assemblyscript";
import { CONNACK, COMPLETE, MALFORMED, PUBLISH, parseConnack, parsePublish, readPacket } from "../../../assembly/mqtt";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

class Walk {
  packets: i32 = 0;
  publishes: i32 = 0;
  bad: string = "";
  topics: ArrayWriter = new ArrayWriter();
  connack: i32 = -1;
}

function walk(b: Uint8Array): Walk {
  const w = new Walk();
  let at = 0;
  while (true) {
    const p = readPacket(b, at);
    if (p.state == MALFORMED) { w.bad = p.reason; break; }
    if (p.state != COMPLETE) break;
    w.packets++;
    if (p.type == CONNACK) { const c = parseConnack(b, p); if (c.ok) w.connack = c.returnCode; }
    if (p.type == PUBLISH) {
      const m = parsePublish(b, p);
      if (!m.ok) { w.bad = m.reason; break; }
      w.publishes++;
      w.topics.map(new MapWriter().str("topic", m.topic).str("payload", String.UTF8.decode(m.payload.buffer, false)).bool("retained", m.retained));
    }
    at += p.size;
  }
  return w;
}

function run(input: Input): Output {
  const b = input.banner();
  if (b === null) return Output.fail("application-error", "no banner");
  const full = walk(b);
  const m = new MapWriter().int("packets", full.packets).int("connack", full.connack).str("bad", full.bad).array("publishes", full.topics);
  let bad = 0, regress = 0, last = 0;
  for (let n = 0; n < b.length; n++) {
    const w = walk(b.subarray(0, n));
    if (w.bad.length > 0) bad++;
    if (w.packets < last || w.packets > full.packets) regress++;
    last = w.packets;
  }
  return new Output().setData(m.int("prefix_bad", bad).int("prefix_regress", regress));
}

register(run);
