;; Loads an i32 far past the end of its 128 KiB memory: the engine traps.
;; @manifest {"abi":1,"name":"out-of-bounds","version":"1.0.0","kind":"detection"}
(module
  (memory (export "memory") 2 2)
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param i32) (result i32) (i32.const 0x1000))
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (drop (i32.load (i32.const 0x7ffffff0)))
    (i64.const 0)))
