import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedPlugin, PluginRuntime } from '../../src/sandbox/index.js';
import { testRuntime } from './helpers/fixtures.js';
import { compileWat } from './helpers/wat.js';

describe('instance reuse', () => {
  let rt: PluginRuntime;
  let p: LoadedPlugin;
  beforeAll(async () => {
    rt = testRuntime({ workers: 1 });
    p = await rt.load(compileWat('init-counter'));
  });
  afterAll(() => rt.close());

  it('reuses an instance across invocations and calls wasmap_init once for it', async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push((await rt.invoke(p, { config: { tag: 'a' } })).data);
    expect(runs).toEqual([[1, 1], [1, 2], [1, 3]]);
  });

  it('keeps separate instances per config', async () => {
    expect((await rt.invoke(p, { config: { tag: 'b' } })).data).toEqual([1, 1]);
    expect((await rt.invoke(p, { config: { tag: 'a' } })).data).toEqual([1, 4]);
  });

  it('fails the invocation when wasmap_init refuses the config', async () => {
    const r = await rt.invoke(p, { config: { refuse: true } });
    expect(r.status).toBe('application-error');
    expect(r.error).toBe('wasmap_init refused the config (returned 1)');
  });

  it('discards an instance that trapped: the next invocation gets a fresh one', async () => {
    const bad = await rt.invoke(p, { config: { tag: 'c' }, context: { trap: true } });
    expect(bad.error).toMatch(/unreachable/);
    expect((await rt.invoke(p, { config: { tag: 'c' } })).data).toEqual([1, 1]);
  });

  it('serves a burst of invocations of a plugin that never waits from one instance', async () => {
    // Such an invocation runs start to end synchronously in the worker, so the
    // instance is back in the pool before the next one starts.
    const rs = await Promise.all(Array.from({ length: 4 }, () => rt.invoke(p, { config: { tag: 'd' } })));
    expect(rs.map((r) => r.data)).toEqual([[1, 1], [1, 2], [1, 3], [1, 4]]);
  });
});
