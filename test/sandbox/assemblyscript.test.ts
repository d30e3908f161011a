import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedPlugin, PluginRuntime } from '../../src/sandbox/index.js';
import { tempDir, testRuntime } from './helpers/fixtures.js';
import { packManifest, withCustomSection } from './helpers/wat.js';

const here = dirname(fileURLToPath(import.meta.url));
const asc = join(here, '..', '..', 'node_modules', '.bin', 'asc');

describe('a plugin compiled by AssemblyScript', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    // Kept as .as so TypeScript tooling leaves it alone; asc wants a .ts name.
    const dir = tempDir('as');
    copyFileSync(join(here, 'as', 'hello.as'), join(dir, 'hello.ts'));
    const out = join(dir, 'hello.wasm');
    execFileSync(asc, [join(dir, 'hello.ts'), '-o', out, '-O3', '--runtime', 'stub']);
    const wasm = withCustomSection(readFileSync(out), 'wasmap.manifest', packManifest({ abi: 1, name: 'hello-as', version: '0.1.0', kind: 'evaluator' }));
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(wasm);
  });
  afterAll(() => rt.close());

  it('links env.abort, env.trace and env.seed, is asyncified, and runs through a suspension', async () => {
    expect(plugin.imports).toEqual(expect.arrayContaining(['env.abort', 'env.trace', 'env.seed', 'wasmap.sleep_ms', 'wasmap.log']));
    expect(plugin.asyncified).toBe(true);
    const r = await rt.invoke(plugin, { context: { note: 'some context' } });
    expect(r.error).toBeUndefined();
    expect(r.data).toBeGreaterThan(10);
    expect(r.logs).toEqual([
      { level: 0, message: 'trace: tracing 1.5, 2.5' },
      { level: 1, message: 'hello from assemblyscript' },
    ]);
  });

  it('routes env.abort to the log and ends that invocation', async () => {
    const r = await rt.invoke(plugin, {});
    expect(r.status).toBe('application-error');
    expect(r.error).toBe('abort: no context');
    expect(r.logs.at(-1)?.level).toBe(3);
    // the instance was discarded; a fresh one serves the next call
    expect((await rt.invoke(plugin, { context: { note: 'again' } })).status).toBe('success');
  });
});
