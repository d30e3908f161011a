// Parser harness: `banner` is what a telnet server sent. Parses it, then
// every proper prefix of it (a stream cut short), and reports what happened.
import { ArrayWriter, Input, MapWriter, Output, register } from "@wasmap/sdk-assemblyscript";
import { bannerText, optionName, parseTelnet } from "../../../assembly/telnet";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function run(input: Input): Output {
  const b = input.banner();
  if (b === null) return Output.fail("application-error", "no banner");
  const maxText = <i32>input.config.getInt("max_text", 2048);
  const full = parseTelnet(b, maxText);
  const neg = new ArrayWriter();
  for (let i = 0; i < full.negotiations.length; i++) {
    const n = full.negotiations[i];
    neg.str(n.verb.toString() + " " + n.option.toString() + " " + optionName(n.option));
  }
  const m = new MapWriter().str("text", bannerText(full)).int("dropped", full.textDropped).array("negotiations", neg)
    .int("subnegotiations", full.subnegotiations.length).bool("cut", full.cut).str("error", full.error);
  let errors = 0, regress = 0, last = 0, lastText = 0;
  for (let n = 0; n < b.length; n++) {
    const r = parseTelnet(b.subarray(0, n), maxText);
    if (r.error.length > 0) errors++;
    // a longer prefix never knows less, and never more than the whole stream
    if (r.negotiations.length < last || r.negotiations.length > full.negotiations.length) regress++;
    if (r.text.length < lastText || r.text.length > full.text.length) regress++;
    last = r.negotiations.length;
    lastText = r.text.length;
  }
  return new Output().setData(m.int("prefix_errors", errors).int("prefix_regress", regress));
}

register(run);
