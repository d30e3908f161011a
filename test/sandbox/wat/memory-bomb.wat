;; Grows memory one page at a time until the host says no (-1), then
;; reports how many pages it got. Declares no maximum: the host caps it.
;; @manifest {"abi":1,"name":"memory-bomb","version":"1.0.0","kind":"detection"}
(module
  (memory (export "memory") 2)
  (data (i32.const 0x100) "\81\a4data\ce")   ;; {data: uint32 ...} (7 bytes), then 4 bytes big-endian
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
    (local $pages i32)
    (block $done
      (loop $grow
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $grow)))
    (local.set $pages (memory.size))
    (i32.store8 (i32.const 0x107) (i32.shr_u (local.get $pages) (i32.const 24)))
    (i32.store8 (i32.const 0x108) (i32.shr_u (local.get $pages) (i32.const 16)))
    (i32.store8 (i32.const 0x109) (i32.shr_u (local.get $pages) (i32.const 8)))
    (i32.store8 (i32.const 0x10a) (local.get $pages))
    (i64.or (i64.shl (i64.const 0x100) (i64.const 32)) (i64.const 11))))
