// ABI A10 through both SDKs: timeLeftMs()/time_left_ms() report what is left of
// the invocation's wall_ms, and a deadline keeps its margin (at most a quarter
// of what is left) so the plugin still has time to return its result.
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin as buildWithCli } from '../src/authoring/build.js';
import { packManifest } from '../src/authoring/pack.js';
import { readPluginToml } from '../src/authoring/plugin-toml.js';
import type { LoadedPlugin, PluginRuntime } from '../src/sandbox/index.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../sdk/assemblyscript/scripts/build.mjs';
import { tempDir, testRuntime } from './sandbox/helpers/fixtures.js';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const target = { ip: '127.0.0.1', port: 1, transport: 'tcp' };

describe.each([
  ['AssemblyScript', {}],
  ['Rust', { op: 'time' }],
])('the %s SDK under wall_ms', (lang, config) => {
  let lowered: PluginRuntime;
  let plain: PluginRuntime;
  let plugin: Uint8Array;
  const loaded = new Map<PluginRuntime, LoadedPlugin>();

  beforeAll(async () => {
    if (lang === 'AssemblyScript') {
      const dir = join(repo, 'sdk', 'assemblyscript', 'test', 'time');
      plugin = ((await buildPlugin(dir, { readPluginToml, packManifest, outFile: join(tempDir('sdk-time'), 'time.wasm') })) as { wasm: Uint8Array }).wasm;
    } else {
      // the same cargo target dir as test/sdk-rust.test.ts: dependencies compile once
      const env = { ...process.env, CARGO_TARGET_DIR: join(tmpdir(), 'wasmap-test-cargo') };
      const built = await buildWithCli(join(repo, 'sdk', 'rust', 'test', 'probe'), { env, output: join(tempDir('sdk-time'), 'probe.wasm') });
      plugin = new Uint8Array(await readFile(built.path));
    }
    lowered = testRuntime({ workers: 1, limits: { wall_ms: 2000 } });
    plain = testRuntime({ workers: 1 });
    for (const rt of [lowered, plain]) loaded.set(rt, await rt.load(plugin));
  }, 600_000);
  afterAll(async () => {
    await lowered?.close();
    await plain?.close();
  });

  const time = async (rt: PluginRuntime): Promise<{ left: number; deadlineIn: number; past: number }> => {
    const r = await rt.invoke(loaded.get(rt)!, { target, config });
    expect(r.status).toBe('success');
    if (Array.isArray(r.data)) {
      const [left, deadlineIn, past] = r.data as number[];
      return { left: left!, deadlineIn: deadlineIn!, past: past! };
    }
    const d = r.data as { left_ms: number; deadline_in_ms: number; past_ms: number };
    return { left: d.left_ms, deadlineIn: d.deadline_in_ms, past: d.past_ms };
  };

  it('reports the lowered wall time, and a deadline that keeps a quarter of it as margin', async () => {
    const t = await time(lowered);
    expect(t.left).toBeGreaterThan(0);
    expect(t.left).toBeLessThanOrEqual(2000);
    expect(t.deadlineIn).toBeGreaterThan(0);
    expect(t.deadlineIn).toBeLessThanOrEqual(1500); // 2000 less min(1000, 2000 / 4)
    expect(t.past).toBe(0);
  });

  it('keeps the whole margin under the default 10 s wall time', async () => {
    const t = await time(plain);
    expect(t.left).toBeLessThanOrEqual(10_000);
    expect(t.left).toBeGreaterThan(2000);
    expect(t.deadlineIn).toBeLessThanOrEqual(9000);
    expect(t.deadlineIn).toBeGreaterThan(0);
  });
});
