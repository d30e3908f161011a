import { msUntil } from "@wasmap/sdk-assemblyscript";

/** A timeout argument for `deadline`: at least 1 ms, since 0 means the host's default and would outlast the invocation. */
export function waitMs(deadline: i64): i32 {
  return max(1, msUntil(deadline));
}
