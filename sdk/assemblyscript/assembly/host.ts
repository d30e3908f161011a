// Raw ABI §4 imports (module `wasmap`). Plugin code should use the wrappers
// (Socket, UdpSocket, resolve, log*, emit); these are here for anything the
// wrappers do not cover. An import is only linked if the plugin uses it, so a
// detection plugin that never opens a socket stays free of waiting calls and
// the host does not need to Asyncify it.

@external("wasmap", "log")
export declare function host_log(level: i32, ptr: usize, len: i32): void;

@external("wasmap", "emit")
export declare function host_emit(ptr: usize, len: i32): i32;

@external("wasmap", "now_ms")
export declare function host_now_ms(): i64;

@external("wasmap", "time_left_ms")
export declare function host_time_left_ms(): i64;

@external("wasmap", "sleep_ms")
export declare function host_sleep_ms(ms: i32): i32;

@external("wasmap", "tcp_connect")
export declare function host_tcp_connect(hostPtr: usize, hostLen: i32, port: i32, timeoutMs: i32): i32;

@external("wasmap", "udp_open")
export declare function host_udp_open(hostPtr: usize, hostLen: i32, port: i32): i32;

@external("wasmap", "tls_upgrade")
export declare function host_tls_upgrade(h: i32, sniPtr: usize, sniLen: i32, timeoutMs: i32): i32;

@external("wasmap", "tls_info")
export declare function host_tls_info(h: i32, outPtr: usize, outCap: i32): i32;

@external("wasmap", "send")
export declare function host_send(h: i32, ptr: usize, len: i32): i32;

@external("wasmap", "recv")
export declare function host_recv(h: i32, ptr: usize, cap: i32, timeoutMs: i32): i32;

@external("wasmap", "close")
export declare function host_close(h: i32): i32;

@external("wasmap", "resolve")
export declare function host_resolve(namePtr: usize, nameLen: i32, outPtr: usize, outCap: i32): i32;
