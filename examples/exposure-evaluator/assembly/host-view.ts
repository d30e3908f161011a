// What the host hands an evaluator about one host (see the engine's
// evaluatorRun): `asset` {ip, hostname?}, `open_ports` [{ip, port,
// transport, reason}], `banners` [{ip, port, banner: bin, method}],
// `service_fingerprints` [{ip, port, transport, service: {name, product,
// version, …}, source}], `plugin_results`. Folded here into one record per port.
import { Input, latin1 } from "@wasmap/sdk-assemblyscript";

export class PortView {
  transport: string = "tcp";
  service: string = "";
  product: string = "";
  version: string = "";
  extrainfo: string = "";
  banner: string = "";
  constructor(public port: i32) {}
}

function find(list: Array<PortView>, port: i32, transport: string): PortView {
  for (let i = 0; i < list.length; i++) if (list[i].port == port && list[i].transport == transport) return list[i];
  const p = new PortView(port);
  p.transport = transport;
  list.push(p);
  return p;
}

/** Banner bytes kept per port: enough for every check here. */
const BANNER_KEEP = 4096;

export function portsOf(input: Input): Array<PortView> {
  const out = new Array<PortView>(0);
  const open = input.raw.getArray("open_ports");
  for (let i = 0; i < open.length; i++) {
    const o = open[i];
    find(out, <i32>o.getInt("port"), o.getString("transport", "tcp"));
  }
  const banners = input.raw.getArray("banners");
  for (let i = 0; i < banners.length; i++) {
    const b = banners[i];
    const bytes = b.has("banner") ? b.get("banner")!.asBytes() : null;
    if (bytes === null) continue;
    const p = find(out, <i32>b.getInt("port"), "tcp");
    p.banner = latin1(bytes.length > BANNER_KEEP ? bytes.subarray(0, BANNER_KEEP) : bytes);
  }
  const fps = input.raw.getArray("service_fingerprints");
  for (let i = 0; i < fps.length; i++) {
    const f = fps[i];
    const s = f.get("service");
    if (s === null || !s.isMap) continue;
    const p = find(out, <i32>f.getInt("port"), f.getString("transport", "tcp"));
    // the first detection to name the port wins; later ones fill gaps
    if (p.service.length == 0) p.service = s.getString("name");
    if (p.product.length == 0) p.product = s.getString("product");
    if (p.version.length == 0) p.version = s.getString("version");
    if (p.extrainfo.length == 0) p.extrainfo = s.getString("extrainfo");
  }
  return out;
}

export function hostIp(input: Input): string {
  const a = input.get("asset");
  if (a !== null && a.isMap) return a.getString("ip");
  const t = input.target;
  return t !== null ? t.ip : "";
}

