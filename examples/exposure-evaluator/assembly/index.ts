// exposure-evaluator: an `evaluator` plugin, called once per host with what
// the scan found (open ports, banners, service fingerprints). Output:
// `findings` (telnet, unauthenticated Redis/memcached, old OpenSSH) and
// `data` {ip, ports_checked, findings}.
import { Config, Finding, Input, MapWriter, Output, register, registerInit } from "@wasmap/sdk-assemblyscript";
import { memcachedNoAuth, oldOpenSsh, redisNoAuth, telnetExposed } from "./checks";
import { hostIp, portsOf } from "./host-view";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

let minOpenSsh = "9.8p1";
let ignored = new Array<i64>(0);

function init(config: Config): bool {
  minOpenSsh = config.getString("min_openssh_version", "9.8p1");
  ignored = config.getIntList("ignore_ports");
  return minOpenSsh.length > 0;
}

function add(out: Output, f: Finding | null): void {
  if (f !== null) out.addFinding(f);
}

function run(input: Input): Output {
  const out = new Output();
  const ports = portsOf(input);
  let checked = 0;
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    if (ignored.includes(<i64>p.port)) continue;
    checked++;
    add(out, telnetExposed(p));
    add(out, redisNoAuth(p));
    add(out, memcachedNoAuth(p));
    add(out, oldOpenSsh(p, minOpenSsh));
  }
  out.setData(new MapWriter().str("ip", hostIp(input)).int("ports_checked", checked).int("findings", out.findings.length));
  return out;
}

registerInit(init);
register(run);
