;; Grows a table with no declared maximum to 100,000 entries (the host's cap),
;; then by one more, and reports both results and the final size:
;; {data: [first grow, second grow, table.size]} (the second is -1 at the cap).
;; @manifest {"abi":1,"name":"table-grow","version":"1.0.0","kind":"detection"}
(module
  (memory (export "memory") 2)
  (table $t 1 funcref)
  (data (i32.const 0x100) "\81\a4data\93")   ;; {data: [ then three int32 (0xd2 + 4 bytes big-endian)
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
  ;; writes int32 $v as msgpack at $p (5 bytes)
  (func $int32 (param $p i32) (param $v i32)
    (i32.store8 (local.get $p) (i32.const 0xd2))
    (i32.store8 offset=1 (local.get $p) (i32.shr_u (local.get $v) (i32.const 24)))
    (i32.store8 offset=2 (local.get $p) (i32.shr_u (local.get $v) (i32.const 16)))
    (i32.store8 offset=3 (local.get $p) (i32.shr_u (local.get $v) (i32.const 8)))
    (i32.store8 offset=4 (local.get $p) (local.get $v)))
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (call $int32 (i32.const 0x107) (table.grow $t (ref.null func) (i32.const 99999)))
    (call $int32 (i32.const 0x10c) (table.grow $t (ref.null func) (i32.const 1)))
    (call $int32 (i32.const 0x111) (table.size $t))
    (i64.or (i64.shl (i64.const 0x100) (i64.const 32)) (i64.const 22))))
