//! The raw imports of ABI §4 (module `wasmap`) and `env.abort` (ABI §1).
//! Off wasm32 (native `cargo test` of a plugin's pure parts) they are
//! stand-ins: logging goes to stderr and every network call fails with
//! `EINVAL`, so host-dependent code is tested through a real runtime.
#![allow(dead_code)]

#[cfg(target_arch = "wasm32")]
mod imp {
    #[link(wasm_import_module = "wasmap")]
    extern "C" {
        pub fn log(level: i32, ptr: *const u8, len: i32);
        pub fn emit(ptr: *const u8, len: i32) -> i32;
        pub fn now_ms() -> i64;
        pub fn time_left_ms() -> i64;
        pub fn sleep_ms(ms: i32) -> i32;
        pub fn tcp_connect(host_ptr: *const u8, host_len: i32, port: i32, timeout_ms: i32) -> i32;
        pub fn udp_open(host_ptr: *const u8, host_len: i32, port: i32) -> i32;
        pub fn tls_upgrade(h: i32, sni_ptr: *const u8, sni_len: i32, timeout_ms: i32) -> i32;
        pub fn tls_info(h: i32, out_ptr: *mut u8, out_cap: i32) -> i32;
        pub fn send(h: i32, ptr: *const u8, len: i32) -> i32;
        pub fn recv(h: i32, ptr: *mut u8, cap: i32, timeout_ms: i32) -> i32;
        pub fn close(h: i32) -> i32;
        pub fn resolve(name_ptr: *const u8, name_len: i32, out_ptr: *mut u8, out_cap: i32) -> i32;
    }

    #[link(wasm_import_module = "env")]
    extern "C" {
        /// AssemblyScript's abort; the host ends the invocation with the message.
        pub fn abort(msg: *const u16, file: *const u16, line: i32, col: i32);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    const EINVAL: i32 = -1;

    pub unsafe fn log(level: i32, ptr: *const u8, len: i32) {
        let s = std::slice::from_raw_parts(ptr, len as usize);
        eprintln!("[plugin log {}] {}", level, String::from_utf8_lossy(s));
    }
    pub unsafe fn emit(_ptr: *const u8, _len: i32) -> i32 {
        0
    }
    pub unsafe fn now_ms() -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
    /// Natively there is no invocation to end: a day, so deadlines stay far off.
    pub unsafe fn time_left_ms() -> i64 {
        86_400_000
    }
    pub unsafe fn sleep_ms(ms: i32) -> i32 {
        if ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(ms as u64));
        }
        0
    }
    pub unsafe fn tcp_connect(_: *const u8, _: i32, _: i32, _: i32) -> i32 {
        EINVAL
    }
    pub unsafe fn udp_open(_: *const u8, _: i32, _: i32) -> i32 {
        EINVAL
    }
    pub unsafe fn tls_upgrade(_: i32, _: *const u8, _: i32, _: i32) -> i32 {
        EINVAL
    }
    pub unsafe fn tls_info(_: i32, _: *mut u8, _: i32) -> i32 {
        EINVAL
    }
    pub unsafe fn send(_: i32, _: *const u8, _: i32) -> i32 {
        EINVAL
    }
    pub unsafe fn recv(_: i32, _: *mut u8, _: i32, _: i32) -> i32 {
        EINVAL
    }
    pub unsafe fn close(_: i32) -> i32 {
        EINVAL
    }
    pub unsafe fn resolve(_: *const u8, _: i32, _: *mut u8, _: i32) -> i32 {
        EINVAL
    }
    pub unsafe fn abort(_: *const u16, _: *const u16, _: i32, _: i32) {
        std::process::abort()
    }
}

pub use imp::*;
