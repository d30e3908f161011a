;; A well-behaved scanner that talks: connects to its target, emits one
;; result, then sends "PING\n" and reads the reply five times (six waits in
;; all); returns {status: "success", data: replies read}. Beside a plugin
;; that hogs the CPU, each of its waits must still end in time.
;; @manifest {"abi":1,"name":"pool-chatty","version":"1.0.0","kind":"scanner","capabilities":["network"],"match":{"transport":"tcp"}}
(module
  (import "wasmap" "tcp_connect" (func $tcp_connect (param i32 i32 i32 i32) (result i32)))
  (import "wasmap" "send" (func $send (param i32 i32 i32) (result i32)))
  (import "wasmap" "recv" (func $recv (param i32 i32 i32 i32) (result i32)))
  (import "wasmap" "close" (func $close (param i32) (result i32)))
  (import "wasmap" "emit" (func $emit (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0x100) "\a2ip")                      ;; msgpack str "ip"
  (data (i32.const 0x110) "\a4port")                    ;; msgpack str "port"
  (data (i32.const 0x120) "PING\n")
  (data (i32.const 0x130) "\81\a5stage\a4chat")         ;; {stage: "chat"} (12 bytes)
  ;; {status: "success", data: fixint} (21 bytes + 1)
  (data (i32.const 0x140) "\82\a6status\a7success\a4data")
  (data (i32.const 0x160) "\81\a6status\b2connection-refused") ;; 27 bytes
  (global $heap (mut i32) (i32.const 65536))
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
  ;; offset of pattern [pat, pat+plen) in [hay, hay+hlen), or -1
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
    (local $at i32) (local $ip i32) (local $iplen i32) (local $port i32) (local $h i32) (local $k i32) (local $ok i32)
    (local.set $at (call $find (local.get $in) (local.get $len) (i32.const 0x100) (i32.const 3)))
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then unreachable))
    (local.set $at (i32.add (i32.add (local.get $in) (local.get $at)) (i32.const 3)))
    (local.set $iplen (i32.and (i32.load8_u (local.get $at)) (i32.const 0x1f)))
    (local.set $ip (i32.add (local.get $at) (i32.const 1)))
    (local.set $at (call $find (local.get $in) (local.get $len) (i32.const 0x110) (i32.const 5)))
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then unreachable))
    (local.set $at (i32.add (i32.add (local.get $in) (local.get $at)) (i32.const 5)))
    (local.set $port (i32.load8_u (local.get $at)))
    (if (i32.eq (local.get $port) (i32.const 0xcd))
      (then (local.set $port (i32.or (i32.shl (i32.load8_u (i32.add (local.get $at) (i32.const 1))) (i32.const 8))
                                     (i32.load8_u (i32.add (local.get $at) (i32.const 2)))))))
    (local.set $h (call $tcp_connect (local.get $ip) (local.get $iplen) (local.get $port) (i32.const 0)))
    (if (i32.lt_s (local.get $h) (i32.const 0))
      (then (return (i64.or (i64.shl (i64.const 0x160) (i64.const 32)) (i64.const 27)))))
    (drop (call $emit (i32.const 0x130) (i32.const 12)))
    (block $done
      (loop $chat
        (br_if $done (i32.eq (local.get $k) (i32.const 5)))
        (drop (call $send (local.get $h) (i32.const 0x120) (i32.const 5)))
        (if (i32.gt_s (call $recv (local.get $h) (i32.const 0x400) (i32.const 200) (i32.const 0)) (i32.const 0))
          (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $chat)))
    (drop (call $close (local.get $h)))
    (memory.copy (i32.const 0x500) (i32.const 0x140) (i32.const 21))
    (i32.store8 (i32.const 0x515) (local.get $ok))
    (i64.or (i64.shl (i64.const 0x500) (i64.const 32)) (i64.const 22))))
