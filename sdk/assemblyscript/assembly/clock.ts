// Time (ABI §4 `now_ms`, `sleep_ms`, A10 `time_left_ms`). A plugin plans its
// waits from the time left in the invocation, never from a fixed budget: the
// user can lower `wall_ms`, and a wait past it ends the invocation with no
// result at all, where a wait that stops short still returns what was read.
import { host_now_ms, host_sleep_ms, host_time_left_ms } from "./host";

/** Wall clock, ms since the epoch. */
export function nowMs(): i64 { return host_now_ms(); }

/** Sleeps without holding a worker (the host suspends the instance). */
export function sleepMs(ms: i32): i32 { return host_sleep_ms(ms); }

/** Milliseconds before the invocation's wall time (`wall_ms`) ends it; never negative. */
export function timeLeftMs(): i64 { return host_time_left_ms(); }

/**
 * The invocation's end in `nowMs()` terms, less `marginMs` to encode and
 * return the result. The margin is at most a quarter of the time left, so a
 * small `wall_ms` still leaves most of it for waiting.
 */
export function invocationDeadline(marginMs: i64 = 1000): i64 {
  const left = timeLeftMs();
  return nowMs() + left - min(marginMs, left / 4);
}

/** `nowMs() + ms`, but never past `invocationDeadline(marginMs)`. */
export function deadlineIn(ms: i64, marginMs: i64 = 1000): i64 {
  return min(nowMs() + ms, invocationDeadline(marginMs));
}

/** Milliseconds until `deadline` as a timeout argument: 0 when it has passed. */
export function msUntil(deadline: i64): i32 {
  const left = deadline - nowMs();
  return left <= 0 ? 0 : <i32>min<i64>(left, I32.MAX_VALUE);
}
