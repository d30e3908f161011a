// {{name}}: a wasmap `{{kind}}` plugin. The host calls `run` once at the end
// of the scan with every event in `events`; `data` (a string or bytes) is the
// report, which the host writes where the user asked.
import { Input, Output, Value, register } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function run(input: Input): Output {
  const events = input.raw.getArray("events");
  // TODO: replace with the report format you need
  let report = "ip,port,type,status\n";
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const origin = e.get("origin");
    const result = e.get("result");
    if (origin === null) continue;
    report += origin.getString("ip") + "," + origin.getInt("port").toString() + "," + origin.getString("type") + ","
      + (result !== null ? result.getString("status") : "") + "\n";
  }
  return new Output().setDataValue(Value.str(report));
}

register(run);
