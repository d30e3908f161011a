//! What [`crate::plugin!`] expands to call. Not a stable API.
use crate::output::{IntoOutput, Output};
use crate::types::Status;
use serde::de::DeserializeOwned;
use std::alloc::{alloc as sys_alloc, dealloc, Layout};

pub use crate::output::IntoOutput as _IntoOutput;

fn layout(size: i32) -> Option<Layout> {
    if size < 0 {
        return None;
    }
    Layout::from_size_align((size as usize).max(1), 8).ok()
}

/// `wasmap_alloc`: 0 when out of memory (the host fails the invocation).
pub fn alloc(size: i32) -> i32 {
    match layout(size) {
        Some(l) => unsafe { sys_alloc(l) as usize as i32 },
        None => 0,
    }
}

/// `wasmap_free`: the host passes back the size it asked `wasmap_alloc` for.
pub fn free(ptr: i32, size: i32) {
    if let (Some(l), true) = (layout(size), ptr != 0) {
        unsafe { dealloc(ptr as u32 as usize as *mut u8, l) }
    }
}

unsafe fn input<'a>(ptr: i32, len: i32) -> &'a [u8] {
    if len <= 0 || ptr == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr as u32 as usize as *const u8, len as u32 as usize)
    }
}

/// The last output; it must stay valid until the host copied it, which it
/// does before calling into the instance again.
static mut LAST: Vec<u8> = Vec::new();

/// `wasmap_run`: decode, call the plugin, encode, return `(ptr << 32) | len`.
pub fn run<I: DeserializeOwned, R: IntoOutput>(ptr: i32, len: i32, f: impl FnOnce(I) -> R) -> i64 {
    panic_hook::install();
    let bytes = unsafe { input(ptr, len) };
    let out = match rmp_serde::from_slice::<I>(bytes) {
        Ok(i) => f(i).into_output(),
        Err(e) => Output::new(Status::ApplicationError).error(&format!("plugin could not decode its input: {}", e)),
    };
    let encoded = out.to_msgpack();
    unsafe {
        LAST = encoded;
        ((LAST.as_ptr() as usize as u64) << 32 | LAST.len() as u64) as i64
    }
}

/// `wasmap_init` with the given config hook; non-zero refuses the instance.
pub fn init<C: DeserializeOwned>(ptr: i32, len: i32, f: impl FnOnce(C) -> Result<(), String>) -> i32 {
    panic_hook::install();
    let bytes = unsafe { input(ptr, len) };
    let cfg = match rmp_serde::from_slice::<C>(bytes) {
        Ok(c) => c,
        Err(e) => {
            crate::log::log(crate::Level::Error, &format!("plugin could not decode its config: {}", e));
            return 1;
        }
    };
    match f(cfg) {
        Ok(()) => 0,
        Err(m) => {
            crate::log::log(crate::Level::Error, &format!("init refused: {}", m));
            1
        }
    }
}

/// The default init: any config is fine.
pub fn accept_any_config(_c: crate::Value) -> Result<(), String> {
    Ok(())
}

#[cfg(target_arch = "wasm32")]
mod panic_hook {
    //! A panic cannot unwind on wasm32 (panic = abort), so the hook reports
    //! it to the host through `env.abort` before the abort would trap: the
    //! invocation then ends with `error` = `abort: panic: MSG at FILE:L:C`.
    //! The strings use AssemblyScript's layout (UTF-16LE, byte length in the
    //! u32 before), in static buffers so a panic on OOM still reports.
    use std::fmt::Write;
    use std::sync::Once;

    const CAP: usize = 1000;

    #[repr(C, align(4))]
    struct AsStr {
        byte_len: u32,
        units: [u16; CAP],
    }

    impl Write for AsStr {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for u in s.encode_utf16() {
                let i = self.byte_len as usize / 2;
                if i >= CAP {
                    break;
                }
                self.units[i] = u;
                self.byte_len += 2;
            }
            Ok(())
        }
    }

    static mut MSG: AsStr = AsStr { byte_len: 0, units: [0; CAP] };
    static mut FILE: AsStr = AsStr { byte_len: 0, units: [0; CAP] };
    static ONCE: Once = Once::new();

    pub fn install() {
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| unsafe {
                MSG.byte_len = 0;
                FILE.byte_len = 0;
                let _ = MSG.write_str("panic: ");
                if let Some(s) = info.payload().downcast_ref::<&str>() {
                    let _ = MSG.write_str(s);
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    let _ = MSG.write_str(s);
                } else {
                    let _ = MSG.write_str("(non-string payload)");
                }
                let (line, col) = match info.location() {
                    Some(l) => {
                        let _ = FILE.write_str(l.file());
                        (l.line() as i32, l.column() as i32)
                    }
                    None => (0, 0),
                };
                let file = if FILE.byte_len > 0 { FILE.units.as_ptr() } else { std::ptr::null() };
                crate::sys::abort(MSG.units.as_ptr(), file, line, col);
            }));
        });
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod panic_hook {
    /// Natively (cargo test) the default hook is the right one.
    pub fn install() {}
}
