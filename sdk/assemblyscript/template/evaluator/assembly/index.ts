// {{name}}: a wasmap `{{kind}}` plugin. The host calls `run` once per host
// after the scan, with `asset` {ip}, `open_ports`, `banners`,
// `service_fingerprints` and `plugin_results`; return `findings`.
import { Config, Finding, Input, MapWriter, Output, SEVERITY_LOW, register, registerInit } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

let maxOpen: i64 = 10;

function init(config: Config): bool {
  maxOpen = config.getInt("max_open_ports", 10);
  return maxOpen >= 0;
}

function run(input: Input): Output {
  const out = new Output();
  const asset = input.get("asset");
  const ip = asset !== null ? asset.getString("ip") : "";
  const open = input.raw.getArray("open_ports");
  // TODO: replace with the checks this evaluator is for
  if (<i64>open.length > maxOpen) {
    const f = new Finding("{{name}}-many-open-ports", "More than " + maxOpen.toString() + " open ports", SEVERITY_LOW);
    f.evidence = open.length.toString() + " open ports on " + ip;
    out.addFinding(f);
    // printed under the host: `{{name}}: <line>`
    out.summary = open.length.toString() + " open ports, more than " + maxOpen.toString();
  }
  out.setData(new MapWriter().str("ip", ip).int("open_ports", open.length));
  return out;
}

registerInit(init);
register(run);
