;; Hogs the CPU without ever tripping cpu_ms: five times, computes for
;; 900 ms of wall time (WASI monotonic clock), then sleeps 1 ms. Returns
;; {data: 5}. Its worker must still serve the other invocations it holds.
;; @manifest {"abi":1,"name":"pool-spin-sleep","version":"1.0.0","kind":"detection"}
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasmap" "sleep_ms" (func $sleep (param i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0x100) "\81\a4data\05")   ;; {data: 5} (7 bytes)
  (global $heap (mut i32) (i32.const 65536))
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param $n i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.shl (memory.size) (i32.const 16))) (i32.const 16)) (i32.const 1))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (local.get $p))
  (func (export "wasmap_free") (param i32 i32) (global.set $heap (i32.const 65536)))
  ;; monotonic clock, ns
  (func $now (result i64)
    (drop (call $clock (i32.const 1) (i64.const 1000) (i32.const 0x200)))
    (i64.load (i32.const 0x200)))
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (local $round i32) (local $until i64) (local $i i32)
    (block $done
      (loop $rounds
        (br_if $done (i32.eq (local.get $round) (i32.const 5)))
        (local.set $until (i64.add (call $now) (i64.const 900000000)))
        (loop $burn
          ;; a little work between clock reads
          (local.set $i (i32.const 0))
          (loop $work
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $work (i32.lt_u (local.get $i) (i32.const 10000))))
          (br_if $burn (i64.lt_u (call $now) (local.get $until))))
        (drop (call $sleep (i32.const 1)))
        (local.set $round (i32.add (local.get $round) (i32.const 1)))
        (br $rounds)))
    (i64.or (i64.shl (i64.const 0x100) (i64.const 32)) (i64.const 7))))
