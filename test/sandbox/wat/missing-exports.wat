;; Has a manifest but neither wasmap_alloc nor wasmap_run, and a mistyped init.
;; @manifest {"abi":1,"name":"missing-exports","version":"1.0.0","kind":"detection"}
(module
  (memory (export "memory") 2 2)
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_init") (param i32) (result i32) (i32.const 0)))
