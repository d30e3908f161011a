// {{name}}: a wasmap `{{kind}}` plugin. The host calls `run` once per
// banner it grabbed (`banner` in the input, raw bytes); return a `service`
// when you recognise it. Build: see README.md.
import { Config, Input, MapWriter, Output, Service, register, registerInit } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

let prefix = "HELLO";

// Called once per instance with the validated config (defaults filled).
function init(config: Config): bool {
  prefix = config.getString("prefix", "HELLO");
  return true;
}

function run(input: Input): Output {
  const out = new Output();
  const text = input.bannerText(); // latin1: binary banners never fail to decode
  out.setData(new MapWriter().int("banner_bytes", text.length));
  // TODO: replace with real recognition; fill product/version/cpe when known
  if (text.startsWith(prefix)) {
    const s = new Service("{{name}}");
    s.confidence = 0.5;
    s.extrainfo = text.substring(prefix.length).trim();
    out.service = s;
    out.summary = "banner starts with " + prefix; // printed under the port: `{{name}}: <line>`
  }
  return out;
}

registerInit(init);
register(run);
