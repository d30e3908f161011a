// Parser unit: `parse(reply)` parses one whole server reply, then every proper
// prefix of it (as the probe would see a reply cut short), and returns what
// happened as a msgpack map, so the test can require "incomplete or refused,
// never a trap and never a wrong complete result" for each prefix.
import { MapWriter } from "@wasmap/sdk-assemblyscript";
import { COMPLETE, MALFORMED, NEED_MORE, parseInfo, parseReply } from "../../../assembly/resp";

export const Uint8Array_ID = idof<Uint8Array>();

const MAX_BULK: i32 = 262144;

export function parse(b: Uint8Array): Uint8Array {
  const full = parseReply(b, MAX_BULK);
  const m = new MapWriter();
  m.int("state", full.state).str("text", full.text).bool("nil", full.nil);
  if (full.state == COMPLETE && full.kind == 0x24) {
    const info = parseInfo(full.body, false);
    const kv = new MapWriter();
    for (let i = 0; i < info.keys.length; i++) kv.str(info.keys[i], info.values[i]);
    m.map("info", kv).bool("truncated", info.truncated);
  }
  let needMore = 0, malformed = 0, complete = 0, maxPartialKeys = 0;
  for (let n = 0; n < b.length; n++) {
    const r = parseReply(b.subarray(0, n), MAX_BULK);
    if (r.state == NEED_MORE) {
      needMore++;
      // what the probe reports from a cut reply: only whole lines, so never a cut value
      const p = parseInfo(r.body, true);
      if (p.keys.length > maxPartialKeys) maxPartialKeys = p.keys.length;
    } else if (r.state == MALFORMED) malformed++;
    else complete++;
  }
  m.int("prefix_need_more", needMore).int("prefix_malformed", malformed).int("prefix_complete", complete);
  m.int("prefix_max_keys", maxPartialKeys);
  return m.encode();
}
