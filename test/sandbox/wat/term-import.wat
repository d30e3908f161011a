;; A plugin refused at load for an import the host does not provide, whose
;; name carries OSC 0 (window title), BEL, U+009B and U+202E: the refusal
;; names every offending import, and must print this one escaped.
;; @manifest {"abi":1,"name":"term-import","version":"1.0.0","kind":"scanner"}
(module
  (import "env" "sys\1b]0;IMP-TITLE\07\c2\9b\e2\80\ae" (func (param i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "wasmap_run") (param i32 i32) (result i64) (i64.const 0)))
