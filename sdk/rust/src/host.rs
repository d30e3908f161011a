//! Host calls that are not networking: emit, clock, sleep (ABI §4).
use crate::error::{check, Result};
use crate::output::Output;
use crate::sys;
use serde::Serialize;

/// Hands the host one result now (an event of its own, kept even if the
/// invocation later fails). Counts toward the `output_bytes` limit.
pub fn emit(out: &Output) -> Result<()> {
    let bytes = out.to_msgpack();
    check(unsafe { sys::emit(bytes.as_ptr(), bytes.len() as i32) }).map(|_| ())
}

/// Emits any serializable map (a struct or a map type).
pub fn emit_value<T: Serialize + ?Sized>(v: &T) -> Result<()> {
    let bytes = rmp_serde::to_vec_named(v).map_err(|e| crate::Error::App(e.to_string()))?;
    check(unsafe { sys::emit(bytes.as_ptr(), bytes.len() as i32) }).map(|_| ())
}

/// Wall clock, milliseconds since the epoch.
pub fn now_ms() -> i64 {
    unsafe { sys::now_ms() }
}

/// Milliseconds before the invocation's wall time (`wall_ms`) ends it; never
/// negative (ABI A10). Plan waits from this, not from a fixed budget: a wait
/// past it ends the invocation with no result at all.
pub fn time_left_ms() -> i64 {
    unsafe { sys::time_left_ms() }
}

/// The invocation's end in [`now_ms`] terms, less `margin_ms` to encode and
/// return the result; the margin is at most a quarter of the time left, so a
/// small `wall_ms` still leaves most of it for waiting.
pub fn invocation_deadline(margin_ms: i64) -> i64 {
    let left = time_left_ms();
    now_ms() + left - margin_ms.min(left / 4)
}

/// Time until `deadline` (in [`now_ms`] terms) as a timeout; zero once it has passed.
pub fn until(deadline: i64) -> std::time::Duration {
    std::time::Duration::from_millis((deadline - now_ms()).max(0) as u64)
}

/// Sleeps (the host runs other work meanwhile); clamped to the wall time left.
pub fn sleep_ms(ms: u32) -> Result<()> {
    check(unsafe { sys::sleep_ms(ms.min(i32::MAX as u32) as i32) }).map(|_| ())
}
