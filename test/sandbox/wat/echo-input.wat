;; Returns {data: <its input map>}: a test sees exactly what the host handed
;; the plugin (config and context) as its event's data. wasmap_alloc keeps
;; 6 bytes free before each block, where run writes the map's header
;; (0x81, then "data" as a fixstr).
;; @manifest {"abi":1,"name":"echo-input","version":"1.0.0","kind":"evaluator"}
(module
  (memory (export "memory") 16)
  (global $heap (mut i32) (i32.const 65536))
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (i32.add (global.get $heap) (i32.const 8)))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (local.get $p))
  (func (export "wasmap_run") (param $ptr i32) (param $len i32) (result i64)
    (local $at i32)
    (local.set $at (i32.sub (local.get $ptr) (i32.const 6)))
    (i32.store8 (local.get $at) (i32.const 0x81))
    (i32.store8 (i32.add (local.get $at) (i32.const 1)) (i32.const 0xa4))
    (i32.store8 (i32.add (local.get $at) (i32.const 2)) (i32.const 0x64))
    (i32.store8 (i32.add (local.get $at) (i32.const 3)) (i32.const 0x61))
    (i32.store8 (i32.add (local.get $at) (i32.const 4)) (i32.const 0x74))
    (i32.store8 (i32.add (local.get $at) (i32.const 5)) (i32.const 0x61))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $at)) (i64.const 32))
      (i64.extend_i32_u (i32.add (local.get $len) (i32.const 6))))))
