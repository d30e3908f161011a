;; Calls AssemblyScript's env.abort with no message, as its runtime does on
;; a failed assertion.
;; @manifest {"abi":1,"name":"as-abort","version":"1.0.0","kind":"detection"}
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 2 2)
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param i32) (result i32) (i32.const 0x1000))
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (call $abort (i32.const 0) (i32.const 0) (i32.const 7) (i32.const 9))
    (i64.const 0)))
