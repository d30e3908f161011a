// ABI §4 resolve (needs the `dns` capability).
import { host_resolve } from "./host";
import { decode } from "./msgpack/reader";

let lastResolveError: i32 = 0;

/** Addresses of `name` as text; null on error (`resolveError()` has the code). */
export function resolve(name: string): Array<string> | null {
  const n = String.UTF8.encode(name);
  let cap = 1024;
  let buf = new Uint8Array(cap);
  let len = host_resolve(changetype<usize>(n), n.byteLength, buf.dataStart, cap);
  if (len > cap) {
    cap = len;
    buf = new Uint8Array(cap);
    len = host_resolve(changetype<usize>(n), n.byteLength, buf.dataStart, cap);
  }
  if (len < 0) { lastResolveError = len; return null; }
  lastResolveError = 0;
  const v = decode(buf.subarray(0, min(len, cap)));
  const out = new Array<string>(0);
  if (v === null) return out;
  const items = v.asArray();
  for (let i = 0; i < items.length; i++) if (items[i].isString) out.push(items[i].s);
  return out;
}

export function resolveError(): i32 { return lastResolveError; }
