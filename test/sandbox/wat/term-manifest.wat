;; A plugin refused at load whose manifest values carry terminal controls:
;; the version (echoed by the refusal) holds OSC 0 (window title), ESC[2J and
;; U+009B. The refusal must print them escaped.
;; @manifest {"abi":1,"name":"term-manifest","version":"1.0.0\u001b]0;VER-TITLE\u0007\u001b[2J\u009b","kind":"scanner","capabilities":["net\u001b]52;c;UFdORUQ=\u0007"]}
(module
  (memory (export "memory") 1 1)
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "wasmap_run") (param i32 i32) (result i64) (i64.const 0)))
