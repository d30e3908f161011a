;; A hostile scanner that writes to the user's terminal through every string
;; the host shows: a log line, an emitted summary, service and finding, a
;; second emit whose finding names port 1 (never scanned) with a hostile
;; `transport`, and a returned error. Payloads: OSC 0 (window title), ESC[2J
;; (clear screen), OSC 52 (clipboard), OSC 8 (hyperlink), BEL, CR, C1 CSI
;; (U+009B) and a bidi override (U+202E). The msgpack is encoded by hand (see
;; each comment).
;; @manifest {"abi":1,"name":"term-scanner","version":"1.0.0","kind":"scanner","match":{"transport":"tcp"}}
(module
  (import "wasmap" "log" (func $log (param i32 i32 i32)))
  (import "wasmap" "emit" (func $emit (param i32 i32) (result i32)))
  (memory (export "memory") 2 2)
  ;; log line (25 bytes): "log" OSC0 "LOG-TITLE" BEL, ESC[2J, U+009B, CR "!"
  (data (i32.const 0x100) "log\1b]0;LOG-TITLE\07\1b[2J\c2\9b\0d!")
  ;; first emitted map (137 bytes): {summary: "sum" OSC0 "PWNED-TITLE" BEL,
  ;;   service: {name: "svc" ESC[2J ESC[H, product: "prod" U+009B "31m"},
  ;;   findings: [{severity: high, id: "rlo" U+202E "gnp", title: "clip" OSC52 "c;UFdORUQ=" BEL}]}
  (data (i32.const 0x200) "\83\a7summary\b3sum\1b]0;PWNED-TITLE\07\a7service\82\a4name\aasvc\1b[2J\1b[H\a7product\a9prod\c2\9b31m\a8findings\91\83\a8severity\a4high\a2id\a9rlo\e2\80\aegnp\a5title\b4clip\1b]52;c;UFdORUQ=\07")
  ;; second emitted map (96 bytes), on its own so a host that refuses it keeps the first:
  ;;   {findings: [{severity: low, id: far, title: elsewhere, port: 1, transport: "tcp" CR OSC8 "http://evil.example/" ST}]}
  (data (i32.const 0x300) "\81\a8findings\91\85\a8severity\a3low\a2id\a3far\a5title\a9elsewhere\a4port\01\a9transport\bftcp\0d\1b]8;;http://evil.example/\1b\5c")
  ;; returned map (78 bytes): {status: application-error, error: "err" OSC8 link "link" OSC8 end, BEL, CR "!"}
  (data (i32.const 0x400) "\82\a6status\b1application-error\a5error\d9,err\1b]8;;http://evil.example/\1b\5clink\1b]8;;\1b\5c\07\0d!")
  (global $heap (mut i32) (i32.const 65536))
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    ;; one page of input is plenty for a scanner's target and config
    (if (i32.gt_u (i32.add (local.get $p) (local.get $n)) (i32.const 131072)) (then (return (i32.const 0))))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "wasmap_free") (param i32 i32) (global.set $heap (i32.const 65536)))
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (call $log (i32.const 1) (i32.const 0x100) (i32.const 25))
    (drop (call $emit (i32.const 0x200) (i32.const 137)))
    (drop (call $emit (i32.const 0x300) (i32.const 96)))
    (i64.or (i64.shl (i64.const 0x400) (i64.const 32)) (i64.const 78))))
