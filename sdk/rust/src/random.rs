//! Random bytes from the host: WASI `random_get` (ABI §5), which needs no
//! capability. Off wasm32 (native tests) it reads /dev/urandom.

#[cfg(target_arch = "wasm32")]
mod imp {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        #[link_name = "random_get"]
        fn wasi_random_get(buf: *mut u8, len: usize) -> u16;
    }
    pub fn fill(buf: &mut [u8]) -> bool {
        buf.is_empty() || unsafe { wasi_random_get(buf.as_mut_ptr(), buf.len()) } == 0
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::io::Read;
    pub fn fill(buf: &mut [u8]) -> bool {
        std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(buf)).is_ok()
    }
}

/// `n` bytes from the host's CSPRNG. For nonces, client randoms, key shares.
///
/// # Panics
/// If the host refuses (it never does under ABI v1).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    assert!(imp::fill(&mut b), "random_get failed");
    b
}
