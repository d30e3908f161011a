// Reports the wall time left, how far off a deadline with a 1 s margin lies, and a past deadline's wait.
import { Input, MapWriter, Output, invocationDeadline, msUntil, nowMs, register, timeLeftMs } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function run(input: Input): Output {
  const d = new MapWriter()
    .int("left_ms", timeLeftMs())
    .int("deadline_in_ms", invocationDeadline(1000) - nowMs())
    .int("past_ms", msUntil(nowMs() - 5));
  return new Output().setData(d);
}

register(run);
