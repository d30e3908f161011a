;; Divides by its input length minus itself, i.e. by zero: the engine traps.
;; @manifest {"abi":1,"name":"divide-by-zero","version":"1.0.0","kind":"detection"}
(module
  (memory (export "memory") 2 2)
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param i32) (result i32) (i32.const 0x1000))
  (func (export "wasmap_run") (param $p i32) (param $n i32) (result i64)
    (drop (i32.div_u (i32.const 1) (i32.sub (local.get $n) (local.get $n))))
    (i64.const 0)))
