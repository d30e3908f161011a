import { describe, expect, it } from 'vitest';
import { createDag } from '../src/engine/dag.js';
import { runDag } from '../src/engine/dag-executor.js';
import { ModuleRegistry } from '../src/engine/registry.js';
import { toy } from './fixtures/dags/toy-modules.js';

describe('module registry', () => {
  it('takes modules defined at run time and runs them in a DAG', async () => {
    const r = new ModuleRegistry();
    r.register(toy({ name: 'emit_one', provides: ['numbers'], async execute(io) { io.write('numbers', { n: 1 }); } }));
    // what the plugin runtime does for each manifest it loads
    const manifest = { name: 'late-plugin', requires: ['numbers'], provides: ['plugin_results'] };
    r.register({
      ...toy({ ...manifest, async execute(io) { for await (const x of io.read<{ n: number }>('numbers')) io.write('plugin_results', { plugin: manifest.name, n: x.n }); } }),
      origin: 'plugin',
      source: '/plugins/late-plugin.wasm',
    });
    expect(r.has('late-plugin')).toBe(true);
    expect(r.list().map((d) => d.name)).toEqual(['emit_one', 'late-plugin']);
    const s = await runDag(createDag({ name: 'rt', nodes: [{ id: 'a', module: 'emit_one' }, { id: 'b', module: 'late-plugin' }] }), { registry: r, keep: 'all' });
    expect(s.context.getAll('plugin_results')).toEqual([{ plugin: 'late-plugin', n: 1 }]);
  });

  it('refuses a second module with a taken name, naming both origins', () => {
    const r = new ModuleRegistry();
    r.register({ ...toy({ name: 'banner', async execute() {} }), origin: 'builtin' });
    const dup = { ...toy({ name: 'banner', async execute() {} }), origin: 'plugin' as const, source: '/p/banner.wasm' };
    expect(() => r.register(dup)).toThrow(expect.objectContaining({ code: 'WASMAP_DAG' }));
    expect(() => r.register(dup)).toThrow('module "banner" from /p/banner.wasm is already registered (builtin)');
    expect(r.get('banner')!.origin).toBe('builtin');
  });

  it('refuses a bad name, an unknown kind or a broken config schema', () => {
    const r = new ModuleRegistry();
    expect(() => r.register(toy({ name: 'Has.Dot', async execute() {} }))).toThrow(/name "Has.Dot" is invalid/);
    expect(() => r.register({ ...toy({ name: 'k', async execute() {} }), kind: 'magic' as never })).toThrow(/unknown kind "magic"/);
    expect(() => r.register(toy({ name: 's', config: { t: { type: 'integer' as never } }, async execute() {} }))).toThrow(/bad config schema/);
    expect(r.list()).toEqual([]);
  });
});
