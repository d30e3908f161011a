;; Computes without waiting for (target.port << 16) loop iterations, then
;; returns {data: 1}: a fixed amount of CPU work, whatever the wall time it
;; takes on a loaded machine.
;; @manifest {"abi":1,"name":"pool-burn","version":"1.0.0","kind":"detection"}
(module
  (memory (export "memory") 2)
  (data (i32.const 0x100) "\a4port")                    ;; msgpack str "port"
  (data (i32.const 0x120) "\81\a4data\01")              ;; {data: 1} (7 bytes)
  (global $heap (mut i32) (i32.const 65536))
  (global $sink (mut i32) (i32.const 0))
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
  (func $find (param $hay i32) (param $hlen i32) (param $pat i32) (param $plen i32) (result i32)
    (local $i i32) (local $j i32)
    (block $none
      (loop $outer
        (br_if $none (i32.gt_s (i32.add (local.get $i) (local.get $plen)) (local.get $hlen)))
        (local.set $j (i32.const 0))
        (block $miss
          (loop $inner
            (if (i32.eq (local.get $j) (local.get $plen)) (then (return (local.get $i))))
            (br_if $miss (i32.ne (i32.load8_u (i32.add (i32.add (local.get $hay) (local.get $i)) (local.get $j)))
                                 (i32.load8_u (i32.add (local.get $pat) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i32.const -1))
  (func (export "wasmap_run") (param $in i32) (param $len i32) (result i64)
    (local $at i32) (local $port i32) (local $n i32) (local $i i32) (local $acc i32)
    (local.set $at (call $find (local.get $in) (local.get $len) (i32.const 0x100) (i32.const 5)))
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then unreachable))
    (local.set $at (i32.add (i32.add (local.get $in) (local.get $at)) (i32.const 5)))
    (local.set $port (i32.load8_u (local.get $at)))
    (if (i32.eq (local.get $port) (i32.const 0xcd))
      (then (local.set $port (i32.or (i32.shl (i32.load8_u (i32.add (local.get $at) (i32.const 1))) (i32.const 8))
                                     (i32.load8_u (i32.add (local.get $at) (i32.const 2)))))))
    (local.set $n (i32.shl (local.get $port) (i32.const 16)))
    (block $done
      (loop $burn
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $burn)))
    (global.set $sink (local.get $acc))
    (i64.or (i64.shl (i64.const 0x120) (i64.const 32)) (i64.const 7))))
