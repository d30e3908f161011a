import { describe, expect, it } from 'vitest';
import { CallContext } from '../../src/sandbox/call-context.js';
import { HandleTable } from '../../src/sandbox/host/handles.js';
import { Scope } from '../../src/sandbox/host/scope.js';
import { DEFAULT_LIMITS } from '../../src/sandbox/index.js';
import { validateManifest } from '../../src/sandbox/manifest.js';
import { ProcExit } from '../../src/sandbox/traps.js';
import { wasiImports } from '../../src/sandbox/wasi.js';
import { WASI_SIGNATURES } from '../../src/sandbox/wasi-signatures.js';

/** The preview1 functions called one by one on a real wasm memory. */
function setup(limits = DEFAULT_LIMITS) {
  const manifest = validateManifest({ abi: 1, name: 'w', version: '1.0.0', kind: 'evaluator' });
  const ctx = new CallContext(1, manifest, limits, undefined, new Scope([]), new HandleTable(), () => {});
  ctx.memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const w = wasiImports({ ctx: () => ctx }) as unknown as Record<string, (...a: (number | bigint)[]) => number>;
  const dv = new DataView(ctx.memory.buffer);
  return { ctx, w, dv, mem: new Uint8Array(ctx.memory.buffer) };
}

describe('deny-by-default WASI preview1', () => {
  it('provides every preview1 function, so any wasm32-wasi binary links', () => {
    const { w } = setup();
    expect(Object.keys(w).sort()).toEqual(Object.keys(WASI_SIGNATURES).sort());
    expect(Object.keys(w)).toHaveLength(46);
  });

  it('reports zero args and zero environment variables', () => {
    const { w, dv } = setup();
    for (const [sizes, get] of [['args_sizes_get', 'args_get'], ['environ_sizes_get', 'environ_get']] as const) {
      dv.setUint32(100, 7, true);
      dv.setUint32(104, 7, true);
      expect(w[sizes]!(100, 104)).toBe(0);
      expect([dv.getUint32(100, true), dv.getUint32(104, true)]).toEqual([0, 0]);
      expect(w[get]!(200, 300)).toBe(0);
    }
    expect(w.args_sizes_get!(65535, 0)).toBe(21); // EFAULT past memory
  });

  it('sends fd_write on 1 and 2 to the plugin log and refuses other descriptors', () => {
    const { ctx, w, dv, mem } = setup();
    mem.set(Buffer.from('to stdout\n'), 1000);
    mem.set(Buffer.from('to stderr'), 1100);
    dv.setUint32(64, 1000, true);
    dv.setUint32(68, 10, true);
    dv.setUint32(72, 1100, true);
    dv.setUint32(76, 9, true);
    expect(w.fd_write!(1, 64, 1, 80)).toBe(0);
    expect(dv.getUint32(80, true)).toBe(10);
    expect(w.fd_write!(2, 72, 1, 80)).toBe(0);
    expect(w.fd_write!(0, 64, 1, 80)).toBe(8);
    expect(w.fd_write!(3, 64, 1, 80)).toBe(8);
    expect(w.fd_write!(1, 65530, 1, 80)).toBe(21);
    expect(ctx.logs).toEqual([
      { level: 1, message: 'to stdout' },
      { level: 2, message: 'to stderr' },
    ]);
  });

  it('drops fd_write output past log_bytes and counts it (a line costs at least 64 bytes)', () => {
    const { ctx, w, dv } = setup({ ...DEFAULT_LIMITS, log_bytes: 100 });
    dv.setUint32(64, 1000, true);
    dv.setUint32(68, 10, true);
    w.fd_write!(1, 64, 1, 80);
    w.fd_write!(1, 64, 1, 80);
    expect(ctx.logs).toHaveLength(1);
    expect(ctx.logsDropped).toBe(1);
  });

  it('answers clock_time_get and clock_res_get', () => {
    const { w, dv } = setup();
    const before = BigInt(Date.now()) * 1_000_000n;
    expect(w.clock_time_get!(0, 0n, 8)).toBe(0);
    expect(dv.getBigUint64(8, true) >= before).toBe(true);
    expect(w.clock_time_get!(1, 0n, 16)).toBe(0);
    expect(dv.getBigUint64(16, true) > 0n).toBe(true);
    expect(w.clock_time_get!(9, 0n, 16)).toBe(28);
    expect(w.clock_res_get!(1, 24)).toBe(0);
    expect(dv.getBigUint64(24, true)).toBe(1000n);
  });

  it('fills random_get and refuses a range outside memory', () => {
    const { w, mem } = setup();
    expect(w.random_get!(4096, 64)).toBe(0);
    expect(mem.subarray(4096, 4160).some((b) => b !== 0)).toBe(true);
    expect(w.random_get!(65500, 64)).toBe(21);
  });

  it('lets sched_yield succeed and ends the invocation at proc_exit', () => {
    const { w } = setup();
    expect(w.sched_yield!()).toBe(0);
    expect(() => w.proc_exit!(7)).toThrow(ProcExit);
    expect(() => w.proc_exit!(7)).toThrow('proc_exit(7)');
  });

  it('answers fd_fdstat_get for stdout only', () => {
    const { w, dv } = setup();
    expect(w.fd_fdstat_get!(1, 512)).toBe(0);
    expect(dv.getUint8(512)).toBe(2);
    expect(w.fd_fdstat_get!(0, 512)).toBe(8);
    expect(w.fd_fdstat_get!(3, 512)).toBe(8);
  });

  it('has no preopened directory and opens no path', () => {
    const { w } = setup();
    expect(w.fd_prestat_get!(3, 0)).toBe(8);
    expect(w.path_open!(3, 0, 0, 4, 0, 0n, 0n, 0, 0)).toBe(8);
    expect(w.fd_read!(0, 0, 0, 0)).toBe(8);
  });

  it('answers EBADF or ENOSYS to every other call without touching memory', () => {
    const { w, mem } = setup();
    mem.fill(0xab);
    const done = new Set(['args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get', 'fd_write', 'fd_fdstat_get', 'random_get', 'sched_yield', 'proc_exit']);
    for (const [name, sig] of Object.entries(WASI_SIGNATURES)) {
      if (done.has(name)) continue;
      const args = sig.params.map((t) => (t === 'i64' ? 0n : 16));
      expect([8, 52], name).toContain(w[name]!(...args));
    }
    expect(mem.every((b) => b === 0xab)).toBe(true);
  });
});
