// One plugin_results item of the evaluator context ({plugin, ip, port,
// transport, hostname?, status, data, error?}), with the helpers every check
// uses to read `data` defensively and to say which result proves a finding.
import { Input, Kind, Value } from "@wasmap/sdk-assemblyscript";

export class Result {
  plugin: string = "";
  port: i32 = 0;
  transport: string = "tcp";
  status: string = "";
  data: Value | null = null;

  /** `data.<path>` with dots between map keys; null when any step is absent or not a map. */
  at(path: string): Value | null {
    let v = this.data;
    let from = 0;
    while (v !== null) {
      if (!v.isMap) return null;
      const dot = path.indexOf(".", from);
      const key = dot < 0 ? path.substring(from) : path.substring(from, dot);
      v = v.get(key);
      if (dot < 0) return v;
      from = dot + 1;
    }
    return null;
  }

  isTrue(path: string): bool {
    const v = this.at(path);
    return v !== null && v.asBool(false);
  }

  str(path: string): string {
    const v = this.at(path);
    return v === null ? "" : v.asString("");
  }

  /** "plugin redis, port 6379/tcp: " — the start of every evidence string. */
  where(): string {
    return "plugin " + this.plugin + ", port " + this.port.toString() + "/" + this.transport + ": ";
  }
}

/** Results per item, in context order; items without a map `data` keep data = null. */
export function resultsOf(input: Input): Array<Result> {
  const out = new Array<Result>(0);
  const items = input.raw.getArray("plugin_results");
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (!it.isMap) continue;
    const r = new Result();
    r.plugin = it.getString("plugin");
    r.port = <i32>it.getInt("port");
    r.transport = it.getString("transport", "tcp");
    r.status = it.getString("status");
    const d = it.get("data");
    r.data = d !== null && d.isMap ? d : null;
    out.push(r);
  }
  return out;
}

export function hostIp(input: Input): string {
  const a = input.get("asset");
  return a !== null && a.isMap ? a.getString("ip") : "";
}

/** A value as evidence text: strings verbatim (capped), numbers, bools. */
export function show(v: Value | null): string {
  if (v === null) return "absent";
  if (v.isString) {
    const s = v.asString();
    return s.length > 120 ? s.substring(0, 120) + "…" : s;
  }
  if (v.isNumber) {
    const f = v.asFloat();
    return Math.floor(f) == f && Math.abs(f) < 9e15 ? (<i64>f).toString() : f.toString();
  }
  if (v.isNil) return "null";
  if (v.isMap) return "{…}";
  if (v.isArray) return "[" + v.length.toString() + " items]";
  if (v.kind == Kind.Bool) return v.asBool() ? "true" : "false";
  return "<bin>";
}
