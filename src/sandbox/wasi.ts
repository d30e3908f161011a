import { randomFillSync } from 'node:crypto';
import type { HostEnv } from './host/env.js';
import { WASI_ERRNO } from './errno.js';
import { ProcExit } from './traps.js';
import { WASI_SIGNATURES } from './wasi-signatures.js';

/**
 * ABI §5: our own deny-by-default WASI preview1 (node:wasi is not a security
 * boundary). No preopens, no args, no environment; stdout/stderr go to the
 * plugin log; clocks, randomness and sched_yield work; proc_exit ends the
 * invocation; everything else answers EBADF (calls on a descriptor: there
 * are none to use) or ENOSYS, without touching the host.
 */

const { SUCCESS, BADF, FAULT, INVAL, NOSYS } = WASI_ERRNO;
const lossy = new TextDecoder('utf-8');
/** fd_* / path_* / sock_* take a descriptor first: none is usable, so EBADF. */
const FD_FIRST = /^(fd_|path_|sock_)/;

export function wasiImports(env: HostEnv): Record<string, (...args: never[]) => unknown> {
  const dv = (): DataView | undefined => {
    const buf = env.ctx().memory?.buffer;
    return buf ? new DataView(buf) : undefined;
  };
  const inBounds = (d: DataView, ptr: number, len: number): boolean => ptr >>> 0 === ptr && ptr + len <= d.byteLength;
  const putU32 = (ptr: number, v: number): boolean => {
    const d = dv();
    if (!d || !inBounds(d, ptr, 4)) return false;
    d.setUint32(ptr, v, true);
    return true;
  };
  const putU64 = (ptr: number, v: bigint): boolean => {
    const d = dv();
    if (!d || !inBounds(d, ptr, 8)) return false;
    d.setBigUint64(ptr, v, true);
    return true;
  };
  const zeroPair = (a: number, b: number): number => (putU32(a, 0) && putU32(b, 0) ? SUCCESS : FAULT);

  const impl: Record<string, (...args: never[]) => unknown> = {
    args_sizes_get: (argc: number, bufSize: number) => zeroPair(argc, bufSize),
    args_get: () => SUCCESS,
    environ_sizes_get: (count: number, bufSize: number) => zeroPair(count, bufSize),
    environ_get: () => SUCCESS,
    clock_res_get: (id: number, out: number) => (id < 0 || id > 3 ? INVAL : putU64(out, 1000n) ? SUCCESS : FAULT),
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      if (id < 0 || id > 3) return INVAL;
      const ns = id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
      return putU64(out, ns) ? SUCCESS : FAULT;
    },
    fd_write: (fd: number, iovs: number, iovsLen: number, nwritten: number) => {
      if (fd !== 1 && fd !== 2) return BADF;
      const d = dv();
      if (!d || iovsLen < 0 || iovsLen > 1024 || !inBounds(d, iovs, iovsLen * 8)) return FAULT;
      const parts: Uint8Array[] = [];
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const p = d.getUint32(iovs + i * 8, true);
        const l = d.getUint32(iovs + i * 8 + 4, true);
        if (!inBounds(d, p, l)) return FAULT;
        parts.push(new Uint8Array(d.buffer, p, l));
        total += l;
      }
      const ctx = env.ctx();
      const bytes = Buffer.concat(parts);
      ctx.log(fd === 1 ? 1 : 2, lossy.decode(bytes).replace(/\n$/, ''), total);
      return putU32(nwritten, total) ? SUCCESS : FAULT;
    },
    fd_fdstat_get: (fd: number, out: number) => {
      if (fd !== 1 && fd !== 2) return BADF;
      const d = dv();
      if (!d || !inBounds(d, out, 24)) return FAULT;
      d.setUint8(out, 2); // character device
      d.setUint16(out + 2, 0, true);
      d.setBigUint64(out + 8, 1n << 6n, true); // rights: fd_write only
      d.setBigUint64(out + 16, 0n, true);
      return SUCCESS;
    },
    random_get: (buf: number, len: number) => {
      const d = dv();
      if (!d || len < 0 || !inBounds(d, buf, len)) return FAULT;
      randomFillSync(new Uint8Array(d.buffer, buf, len));
      return SUCCESS;
    },
    sched_yield: () => SUCCESS,
    proc_exit: (code: number) => {
      throw env.ctx().raise(new ProcExit(code));
    },
  };
  const out: Record<string, (...args: never[]) => unknown> = {};
  for (const name of Object.keys(WASI_SIGNATURES)) {
    out[name] = impl[name] ?? (FD_FIRST.test(name) ? () => BADF : () => NOSYS);
  }
  return out;
}
