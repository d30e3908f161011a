// Random bytes from the host: WASI `random_get` (ABI §5), which needs no
// capability. For nonces, client randoms, key shares — not for anything a
// plugin must reproduce.

@external("wasi_snapshot_preview1", "random_get")
declare function wasi_random_get(buf: usize, len: usize): u16;

/** `n` bytes from the host's CSPRNG (`n <= 0` gives an empty array). */
export function randomBytes(n: i32): Uint8Array {
  const b = new Uint8Array(n > 0 ? n : 0);
  if (n > 0 && wasi_random_get(b.dataStart, <usize>n) != 0) abort("random_get failed");
  return b;
}
