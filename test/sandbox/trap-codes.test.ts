import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAP_CODES, type InvocationInput, type PluginRuntime, type RuntimeOptions } from '../../src/sandbox/index.js';
import { cannedPlugin } from './helpers/canned.js';
import { testRuntime } from './helpers/fixtures.js';
import { compileWat } from './helpers/wat.js';

/**
 * Every way an invocation ends early carries a stable code in
 * `result.sandbox.code` (one of TRAP_CODES), beside the human `error` text,
 * which stays what it was.
 */
const at: InvocationInput = { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } };

describe('trap codes', () => {
  const runtimes: PluginRuntime[] = [];
  afterAll(() => Promise.all(runtimes.map((r) => r.close())));
  const rt = (opts: RuntimeOptions = {}): PluginRuntime => {
    const r = testRuntime({ workers: 1, ...opts });
    runtimes.push(r);
    return r;
  };

  const cases: [string, RuntimeOptions, InvocationInput, string, RegExp][] = [
    ['loop', { limits: { cpu_ms: 100 } }, at, 'sandbox.limit.cpu_ms', /CPU time limit exceeded/],
    ['sleep-wall', { limits: { wall_ms: 300 } }, at, 'sandbox.limit.wall_ms', /wall time limit of 300 ms exceeded/],
    ['huge-output', {}, at, 'sandbox.limit.output_bytes', /output limit of 1048576 bytes exceeded/],
    ['emit-flood', { limits: { emits: 3 } }, at, 'sandbox.limit.emits', /emit limit of 3 maps exceeded/],
    ['memory-bomb', { memoryBudgetMb: 8 }, at, 'sandbox.limit.memory', /plugin memory budget of 8 MiB exhausted/],
    ['trap', {}, at, 'sandbox.trap.unreachable', /^trap: unreachable/],
    ['out-of-bounds', {}, at, 'sandbox.trap.out_of_bounds', /^trap: memory access out of bounds/],
    ['divide-by-zero', {}, at, 'sandbox.trap.divide_by_zero', /^trap: divide by zero/],
    ['recursion', {}, at, 'sandbox.trap.stack_overflow', /stack/i],
    ['bad-msgpack', {}, at, 'sandbox.output.invalid', /malformed output/],
    ['output-outside', {}, at, 'sandbox.output.invalid', /outside memory/],
    ['as-abort', {}, at, 'sandbox.plugin.abort', /^abort:/],
    ['proc-exit', {}, at, 'sandbox.plugin.exit', /^plugin called proc_exit\(3\)$/],
    ['init-counter', {}, { config: { refuse: true } }, 'sandbox.plugin.init_refused', /^wasmap_init refused the config/],
  ];

  for (const [wat, opts, input, code, text] of cases) {
    it(`${wat} ends with ${code} and its error text`, async () => {
      const r = rt(opts);
      const res = await r.invoke(await r.load(compileWat(wat)), input);
      expect(res.status).toBe('application-error');
      expect(res.sandbox.code).toBe(code);
      expect(res.error).toMatch(text);
      expect(TRAP_CODES).toContain(res.sandbox.code);
    });
  }

  it('gives a returned map that breaks the output rules sandbox.output.invalid, and a good one no code', async () => {
    const r = rt();
    const manifest = { abi: 1, name: 'canned', version: '1.0.0', kind: 'detection' };
    const bad = await r.invoke(await r.load(cannedPlugin({ manifest, output: { status: 'fine' } })), at);
    expect(bad.sandbox.code).toBe('sandbox.output.invalid');
    expect(bad.error).toMatch(/^plugin returned invalid output: invalid status "fine"/);
    const good = await r.invoke(await r.load(cannedPlugin({ manifest: { ...manifest, name: 'canned-ok' }, output: { data: 1 } })), at);
    expect(good.status).toBe('success');
    expect(good.sandbox.code).toBeUndefined();
  });

  it('keeps the code of a limit and its key side by side', async () => {
    const r = rt({ limits: { wall_ms: 300 } });
    const res = await r.invoke(await r.load(compileWat('sleep-wall')), at);
    expect(res.sandbox).toMatchObject({ limit: 'wall_ms', code: 'sandbox.limit.wall_ms' });
    expect(res.emitted).toHaveLength(1); // emits before the end are kept
  });
});

describe('time_left_ms (ABI A10)', () => {
  let rt: PluginRuntime;
  beforeAll(() => {
    rt = testRuntime({ workers: 1, limits: { wall_ms: 3000 } });
  });
  afterAll(() => rt.close());

  it('returns the wall time left: within the lowered wall_ms, above 0, and less after a sleep', async () => {
    const r = await rt.invoke(await rt.load(compileWat('time-left')), at);
    expect(r.status, r.error).toBe('success');
    const [before, after] = r.data as [number, number];
    expect(before).toBeLessThanOrEqual(3000);
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
  });

  it("reads each invocation's own wall time when instances of one worker interleave", async () => {
    // Host functions are built once per worker: each call must still reach the
    // invocation whose guest code is running, across the other's waits.
    const mixed = testRuntime({ workers: 1 }); // wall_ms 10000, the manifest lowers one plugin's to 1000
    try {
      const short = await mixed.load(compileWat('time-left', { abi: 1, name: 'time-left-short', version: '1.0.0', kind: 'detection', limits: { wall_ms: 1000 } }));
      const long = await mixed.load(compileWat('time-left'));
      const runs = await Promise.all([short, long, short, long].map((p) => mixed.invoke(p, at)));
      for (const [i, r] of runs.entries()) {
        expect(r.status, r.error).toBe('success');
        const [before, after] = r.data as [number, number];
        expect(after).toBeLessThan(before);
        if (i % 2 === 0) expect(before).toBeLessThanOrEqual(1000);
        else expect(after).toBeGreaterThan(1000); // never the short one's clock
      }
    } finally {
      await mixed.close();
    }
  });
});
