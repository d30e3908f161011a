;; Logs 1,000 lines of 1,000 bytes (about 1 MB), far past the 64 KiB log limit.
;; @manifest {"abi":1,"name":"log-flood","version":"1.0.0","kind":"detection"}
(module
  (import "wasmap" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 2 2)
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
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (local $i i32)
    (memory.fill (i32.const 0x1000) (i32.const 0x78) (i32.const 1000))
    (loop $more
      (call $log (i32.const 0) (i32.const 0x1000) (i32.const 1000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 1000))))
    (i64.const 0)))
