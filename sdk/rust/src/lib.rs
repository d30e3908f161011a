//! Write [wasmap](https://github.com/) plugins in Rust.
//!
//! A plugin is a `cdylib` built for `wasm32-unknown-unknown` or `wasm32-wasi`
//! (`wasm32-wasip1` on newer toolchains). This crate gives it:
//!
//! - typed input and output mirroring ABI §7 ([`Input`], [`Target`],
//!   [`Output`], [`Service`], [`Finding`], [`Status`], [`Value`]);
//! - safe wrappers for every host function of ABI §4 ([`net::TcpStream`]
//!   with `std::io::Read`/`Write`, TLS, [`net::UdpSocket`], [`net::resolve`],
//!   [`emit`], [`now_ms`], [`time_left_ms`] (with [`invocation_deadline`]
//!   and [`until`] to plan waits from it), [`sleep_ms`], and the [`debug!`], [`info!`],
//!   [`warn!`], [`error!`] log macros), all returning [`Result`] with an
//!   [`Error`] that maps the ABI codes -1..-10;
//! - one macro, [`plugin!`], that writes the exports (`wasmap_abi_v1`,
//!   `wasmap_alloc`, `wasmap_free`, `wasmap_init`, `wasmap_run`) and turns a
//!   panic into a clear `application-error` result.
//!
//! ```ignore
//! use wasmap_sdk::{Input, Output, Result, net::TcpStream};
//! fn run(input: Input) -> Result<Output> {
//!     let mut s = TcpStream::connect_target(input.target()?, None)?;
//!     let banner = s.recv_some(4096)?;
//!     Ok(Output::success().data(&serde_bytes::ByteBuf::from(banner)))
//! }
//! wasmap_sdk::plugin!(run);
//! ```
//!
//! ## Panics
//!
//! `panic = "abort"` is the only strategy on wasm32, so a panic cannot be
//! caught. The SDK installs a panic hook that hands the message and location
//! to the host through `env.abort` (the import ABI §1 accepts for
//! AssemblyScript): the invocation ends at once with status
//! `application-error` and `error` = `abort: panic: MESSAGE at FILE:LINE:COL`,
//! and the same line is logged at level 3. The instance is discarded.

pub mod base64;
mod error;
pub mod host;
pub mod log;
pub mod net;
mod output;
mod random;
mod sys;
mod types;
mod value;

#[doc(hidden)]
pub mod __private;

pub use error::{Error, Result};
pub use host::{emit, emit_value, invocation_deadline, now_ms, sleep_ms, time_left_ms, until};
pub use log::Level;
pub use output::Output;
pub use random::random_bytes;
pub use types::{Finding, Input, Service, Severity, Status, Target, Transport};
pub use value::Value;

pub use rmp_serde;
pub use serde;
pub use serde_bytes;

/// Writes the plugin's exports around `run` (and an optional `init`).
///
/// `run` is any `fn(I) -> R` where `I: serde::de::DeserializeOwned` (usually
/// [`Input<C>`], or your own struct for `evaluator`/`output` kinds) and `R`
/// is [`Output`] or [`Result<Output>`]. `init`, when given, is
/// `fn(C) -> core::result::Result<(), String>` called once per instance with
/// the validated config; an `Err` refuses the instance.
///
/// ```ignore
/// wasmap_sdk::plugin!(run);
/// wasmap_sdk::plugin!(run, init = init);
/// ```
#[macro_export]
macro_rules! plugin {
    ($run:path) => {
        $crate::plugin!($run, init = $crate::__private::accept_any_config);
    };
    ($run:path, init = $init:path) => {
        /// ABI v1 marker (never called).
        #[no_mangle]
        pub extern "C" fn wasmap_abi_v1() {}

        #[no_mangle]
        pub extern "C" fn wasmap_alloc(size: i32) -> i32 {
            $crate::__private::alloc(size)
        }

        #[no_mangle]
        pub extern "C" fn wasmap_free(ptr: i32, size: i32) {
            $crate::__private::free(ptr, size)
        }

        #[no_mangle]
        pub extern "C" fn wasmap_init(ptr: i32, len: i32) -> i32 {
            $crate::__private::init(ptr, len, $init)
        }

        #[no_mangle]
        pub extern "C" fn wasmap_run(ptr: i32, len: i32) -> i64 {
            $crate::__private::run(ptr, len, $run)
        }
    };
}
