// Parser unit: `parse(reply)` parses one whole server reply, then every
// proper prefix of it (a reply cut short), and returns what happened as a msgpack map.
import { MapWriter } from "@wasmap/sdk-assemblyscript";
import { COMPLETE, MALFORMED, NEED_MORE, parseStats } from "../../../assembly/stats";

export const Uint8Array_ID = idof<Uint8Array>();

export function parse(b: Uint8Array): Uint8Array {
  const full = parseStats(b);
  const kv = new MapWriter();
  for (let i = 0; i < full.keys.length; i++) kv.str(full.keys[i], full.values[i]);
  const m = new MapWriter().int("state", full.state).str("text", full.text).map("stats", kv).bool("truncated", full.truncated);
  let needMore = 0, malformed = 0, complete = 0, other = 0, lastKeys = 0, keysShrank = 0;
  for (let n = 0; n < b.length; n++) {
    const r = parseStats(b.subarray(0, n));
    if (r.state == NEED_MORE) needMore++;
    else if (r.state == MALFORMED) malformed++;
    else if (r.state == COMPLETE) complete++;
    else other++;
    // a longer prefix never knows fewer STAT lines, and never more than the whole reply
    if (r.keys.length < lastKeys || r.keys.length > full.keys.length) keysShrank++;
    lastKeys = r.keys.length;
  }
  m.int("prefix_need_more", needMore).int("prefix_malformed", malformed).int("prefix_complete", complete);
  m.int("prefix_other", other).int("prefix_bad_keys", keysShrank);
  return m.encode();
}
