import type { HostEnv } from './env.js';
import { PluginAbort } from '../traps.js';

const lossy = new TextDecoder('utf-8');
const utf16 = new TextDecoder('utf-16le');

/** ABI §4 `log`; lines past `log_bytes` are dropped and counted (CallContext.log). */
export function logImports(env: HostEnv) {
  return {
    log(level: number, ptr: number, len: number): void {
      const ctx = env.ctx();
      const v = ctx.view(ptr, len);
      if (!v) return;
      ctx.log(level, lossy.decode(v), v.length);
    },
  };
}

/** An AssemblyScript string: UTF-16LE, byte length in the u32 before it. */
function asString(env: HostEnv, ptr: number): string {
  const ctx = env.ctx();
  if (!ptr) return '';
  const hdr = ctx.view(ptr - 4, 4);
  if (!hdr) return '?';
  const len = new DataView(hdr.buffer, hdr.byteOffset, 4).getUint32(0, true);
  const v = ctx.view(ptr, Math.min(len, 4096));
  return v ? utf16.decode(v) : '?';
}

/** AssemblyScript's `env` imports (ABI §1), routed to the plugin log. */
export function envImports(env: HostEnv) {
  return {
    abort(msg: number, file: number, line: number, col: number): never {
      const where = file ? ` at ${asString(env, file)}:${line}:${col}` : '';
      const text = `abort: ${asString(env, msg)}${where}`;
      const ctx = env.ctx();
      ctx.log(3, text, text.length);
      throw ctx.raise(new PluginAbort(text));
    },
    trace(msg: number, n: number, ...args: number[]): void {
      const text = `trace: ${asString(env, msg)} ${args.slice(0, Math.max(0, Math.min(n, 5))).join(', ')}`.trimEnd();
      env.ctx().log(0, text, text.length);
    },
    seed(): number {
      return Math.random() * 2 ** 52;
    },
  };
}
