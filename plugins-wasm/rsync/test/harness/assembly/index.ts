// Parser harness: `banner` is what a daemon sent (greeting, motd, list).
// Parses it, then every proper prefix of it (a stream cut short), and
// reports what happened.
import { ArrayWriter, Input, MapWriter, Output, register } from "@wasmap/sdk-assemblyscript";
import { COMPLETE, MALFORMED, NEED_MORE, motdText, parseListing } from "../../../assembly/rsync";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function run(input: Input): Output {
  const b = input.banner();
  if (b === null) return Output.fail("application-error", "no banner");
  const full = parseListing(b);
  const mods = new ArrayWriter();
  for (let i = 0; i < full.modules.length; i++) mods.map(new MapWriter().str("name", full.modules[i].name).str("comment", full.modules[i].comment));
  const m = new MapWriter().int("state", full.state).str("error", full.error).str("version", full.protocolVersion)
    .strArray("digests", full.digests).str("motd", motdText(full)).array("modules", mods).int("dropped", full.dropped);
  let needMore = 0, malformed = 0, complete = 0, regress = 0, last = 0;
  for (let n = 0; n < b.length; n++) {
    const r = parseListing(b.subarray(0, n));
    if (r.state == NEED_MORE) needMore++;
    else if (r.state == MALFORMED) malformed++;
    else if (r.state == COMPLETE) complete++;
    if (r.modules.length < last || r.modules.length > full.modules.length) regress++;
    last = r.modules.length;
  }
  return new Output().setData(m.int("prefix_need_more", needMore).int("prefix_malformed", malformed).int("prefix_complete", complete).int("prefix_regress", regress));
}

register(run);
