// An AssemblyScript plugin: proves the host links what the AS compiler
// emits (env.abort, env.trace, env.seed, a memory without a maximum) and
// suspends it in a waiting call after Asyncify. Returns {data: input length}; aborts when the
// input is too short (no context given).

@external("wasmap", "log")
declare function log(level: i32, ptr: usize, len: i32): void;

@external("wasmap", "sleep_ms")
declare function sleep_ms(ms: i32): i32;

export function wasmap_abi_v1(): void {}

export function wasmap_alloc(size: i32): usize {
  return heap.alloc(<usize>size);
}

export function wasmap_free(ptr: usize, len: i32): void {
  heap.free(ptr);
}

export function wasmap_run(ptr: usize, len: i32): u64 {
  if (len < 10) abort("no context");
  trace("tracing", 2, 1.5, 2.5);
  if (Math.random() < 0 || Math.random() >= 1) abort("random out of range"); // imports env.seed
  const msg = String.UTF8.encode("hello from assemblyscript");
  log(1, changetype<usize>(msg), msg.byteLength);
  sleep_ms(5);
  // {data: int32 len}
  const out = heap.alloc(11);
  store<u8>(out, 0x81);
  store<u8>(out + 1, 0xa4);
  store<u8>(out + 2, 0x64);
  store<u8>(out + 3, 0x61);
  store<u8>(out + 4, 0x74);
  store<u8>(out + 5, 0x61);
  store<u8>(out + 6, 0xd2);
  store<u32>(out + 7, bswap<u32>(<u32>len));
  return (<u64>out << 32) | 11;
}
