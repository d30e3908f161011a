import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/sandbox/pool.js';
import { validateManifest } from '../../src/sandbox/manifest.js';

const script = fileURLToPath(new URL('./helpers/fake-worker.mjs', import.meta.url));
const manifest = validateManifest({ abi: 1, name: 'fake', version: '1.0.0', kind: 'evaluator' });

describe('worker pool recovery', () => {
  let pool: WorkerPool;
  afterEach(() => pool.close());

  const run = (switches: Record<string, unknown>, onEmit?: (rec: unknown) => void) =>
    pool.run(1, manifest, '{}', { bytes: pack(switches), config: {} }, onEmit);
  /** A file the fake worker waits for before it finishes a `hold` invocation. */
  const holdFile = () => join(mkdtempSync(join(tmpdir(), 'wasmap-pool-')), 'release');
  const release = (file: string) => writeFileSync(file, '');
  /** Ten invocations that stay in flight until released; resolves once each has started (emitted). */
  const inFlight = async (hold: string, onEmit?: (n: number, rec: unknown) => void) => {
    let started = 0;
    let allStarted!: () => void;
    const ready = new Promise<void>((r) => (allStarted = r));
    const runs = Array.from({ length: 10 }, (_, n) =>
      run({ n, hold }, (rec) => {
        onEmit?.(n, rec);
        if (++started === 10) allStarted();
      }),
    );
    await ready;
    return runs;
  };

  it('re-runs the in-flight work of a worker that died: nothing lost, no emit twice', async () => {
    pool = new WorkerPool(2, script, []);
    const marker = join(mkdtempSync(join(tmpdir(), 'wasmap-pool-')), 'crashed');
    const hold = holdFile();
    const good = await inFlight(hold);
    const once = await run({ n: 99, crash: true, crashOnce: marker, delay: 100 }); // crashed, then re-ran
    release(hold);
    const results = [...(await Promise.all(good)), once];
    expect(results.map((r) => r.emits)).toEqual([...Array.from({ length: 10 }, (_, n) => [{ n }]), [{ n: 99 }]]);
    expect(results.every((r) => r.result.status === 'success')).toBe(true);
    expect(pool.reruns).toBeGreaterThan(1); // the crashing one and innocent ones
  });

  it('hands emits over as they arrive, and a re-run after a worker was stopped does not deliver them again', async () => {
    pool = new WorkerPool(2, script, []);
    const delivered = new Map<number, unknown[]>();
    const settled = new Set<number>();
    let beforeSettle = 0;
    const onEmit = (n: number, rec: unknown) => {
      if (!settled.has(n)) beforeSettle++;
      delivered.set(n, [...(delivered.get(n) ?? []), rec]);
    };
    const settle = (n: number) => (r: unknown) => {
      settled.add(n);
      return r;
    };
    const hold = holdFile();
    const good = (await inFlight(hold, onEmit)).map((p, n) => p.then(settle(n)));
    await run({ n: 42, spin: true }, (rec) => onEmit(42, rec)).then(settle(42)); // stopped by the watchdog
    release(hold);
    await Promise.all(good);
    expect(pool.reruns).toBeGreaterThan(0); // some innocent ones ran twice
    for (let n = 0; n < 10; n++) expect(delivered.get(n)).toEqual([{ n }]);
    expect(delivered.get(42)).toEqual([{ n: 42 }]);
    expect(beforeSettle).toBe(11); // every emit reached the caller before its invocation ended
  });

  it('fails an invocation alone after its worker died under it three times, and refuses its plugin afterwards', async () => {
    pool = new WorkerPool(2, script, []);
    const bad = await run({ n: 7, crash: true, delay: 5000 });
    expect(bad.result.status).toBe('application-error');
    expect(bad.result.error).toMatch(/worker died 3 times/);
    expect(bad.emits).toEqual([{ n: 7 }]);
    // Alone on its worker each time, its plugin was the culprit: quarantined, then refused.
    const again = await run({ n: 8, delay: 10 });
    expect(again.result.error).toMatch(/quarantined/);
    expect(again.emits).toEqual([]);
    const other = await pool.run(2, manifest, '{}', { bytes: pack({ n: 9, delay: 10 }), config: {} });
    expect(other.result.status).toBe('success');
  });

  it('stops a worker whose guest overruns its budget; the guilty one fails, the rest re-run', async () => {
    const down: unknown[] = [];
    const listener = (m: unknown) => down.push(m);
    subscribe('wasmap:plugin:worker-down', listener);
    pool = new WorkerPool(2, script, []);
    const hold = holdFile();
    const good = await inFlight(hold);
    const r = await run({ n: 42, spin: true });
    expect(r.result).toMatchObject({ status: 'application-error', sandbox: { limit: 'cpu_ms' }, emitted: [{ n: 42 }] });
    expect(pool.kills).toBe(1);
    release(hold);
    const results = await Promise.all(good);
    expect(results.map((x) => x.emits)).toEqual(Array.from({ length: 10 }, (_, n) => [{ n }]));
    expect(pool.reruns).toBeGreaterThan(0);
    unsubscribe('wasmap:plugin:worker-down', listener);
    expect(down).toEqual([{ reason: 'watchdog', limit: 'cpu_ms', invocation: expect.any(Number), orphans: pool.reruns }]);
  });
});
