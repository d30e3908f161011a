;; Five small tables, one more than the host allows: refused at load.
;; @manifest {"abi":1,"name":"tables-many","version":"1.0.0","kind":"detection"}
(module
  (memory (export "memory") 2)
  (table 1 funcref)
  (table 1 funcref)
  (table 1 funcref)
  (table 1 externref)
  (table 1 externref)
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
  (func (export "wasmap_run") (param i32 i32) (result i64) (i64.const 0)))
