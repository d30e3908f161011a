// A Rust std plugin for wasm32-wasi: proves a real wasi-libc binary links
// against the host's WASI and gets nothing from it (no env, no files) while
// stdout and the clock work. Returns {data: "<clock ok> <env count> <file read>"}.
#[no_mangle] pub extern "C" fn wasmap_abi_v1() {}
#[no_mangle] pub extern "C" fn wasmap_alloc(n: i32) -> i32 { let mut v = Vec::<u8>::with_capacity(n as usize); let p = v.as_mut_ptr(); std::mem::forget(v); p as i32 }
#[no_mangle] pub extern "C" fn wasmap_run(_p: i32, len: i32) -> i64 {
  println!("input {} bytes", len);
  let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
  let env = std::env::vars().count();
  let file = std::fs::read("/etc/passwd").is_ok();
  let s = format!("{} {} {}", t > 0, env, file);
  let mut out = vec![0x81u8, 0xa4, b'd', b'a', b't', b'a', 0xa0 | s.len() as u8];
  out.extend_from_slice(s.as_bytes());
  let (p, l) = (out.as_ptr() as i64, out.len() as i64); std::mem::forget(out);
  (p << 32) | l
}
