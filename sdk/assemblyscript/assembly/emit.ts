// ABI §4 emit: hand the host one result now (kept even if the invocation
// later fails). Each emit becomes one event; its bytes count toward the
// output limit. Returns 0 or a negative code.
import { host_emit } from "./host";
import { MapWriter } from "./msgpack/writer";
import { Output } from "./output";

export function emit(out: Output): i32 {
  return emitBytes(out.encode());
}

export function emitMap(m: MapWriter): i32 {
  return emitBytes(m.encode());
}

/** `bytes` must be one msgpack map. The host copies them during the call. */
export function emitBytes(bytes: Uint8Array): i32 {
  return host_emit(bytes.dataStart, bytes.length);
}
