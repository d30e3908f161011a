;; A hostile output plugin: its report (a msgpack bin) carries OSC 0 (window
;; title), ESC[2J, U+009B, OSC 52 (clipboard), U+202E and a CRLF line end.
;; On a terminal it must be shown escaped; --plugin-output FILE gets it byte
;; for byte.
;; @manifest {"abi":1,"name":"term-output","version":"1.0.0","kind":"output"}
(module
  (memory (export "memory") 2)
  ;; {status: success, data: bin(57) "REPORT" OSC0 "OUT-TITLE" BEL ESC[2J LF U+009B "line2" OSC52 "c;UFdORUQ=" BEL U+202E CR LF "end" LF} (80 bytes)
  (data (i32.const 0x100) "\82\a6status\a7success\a4data\c49REPORT\1b]0;OUT-TITLE\07\1b[2J\0a\c2\9bline2\1b]52;c;UFdORUQ=\07\e2\80\ae\0d\0aend\0a")
  (global $heap (mut i32) (i32.const 65536))
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param $n i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    ;; the events context can be larger than the initial pages: grow to fit
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.shl (memory.size) (i32.const 16))) (i32.const 16)) (i32.const 1))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (local.get $p))
  (func (export "wasmap_free") (param i32 i32) (global.set $heap (i32.const 65536)))
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 0x100) (i64.const 32)) (i64.const 80))))
