// Tests for {{name}}: builds it from source and runs it in the real plugin
// runtime. Expects the plugin two levels below the wasmap checkout
// (plugins-wasm/{{name}}/, where `wasmap plugin new` puts it), so the paths
// below reach the repository's runtime, test helpers and SDK build script.
//   npx vitest run plugins-wasm/{{name}}
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packManifest } from '../../../src/sandbox/authoring/pack.js';
import { readPluginToml } from '../../../src/sandbox/authoring/plugin-toml.js';
import type { LoadedPlugin, PluginRuntime } from '../../../src/sandbox/index.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../../../sdk/assemblyscript/scripts/build.mjs';
import { tempDir, testRuntime } from '../../../test/sandbox/helpers/fixtures.js';

const pluginDir = join(fileURLToPath(new URL('.', import.meta.url)), '..');

let rt: PluginRuntime;
let plugin: LoadedPlugin;
beforeAll(async () => {
  const { wasm } = (await buildPlugin(pluginDir, { readPluginToml, packManifest, outFile: join(tempDir('{{name}}'), '{{name}}.wasm') })) as { wasm: Uint8Array };
  rt = testRuntime({ workers: 1 });
  plugin = await rt.load(wasm);
}, 120_000);
afterAll(() => rt?.close());

describe('{{name}}', () => {
  it('writes one CSV line per event', async () => {
    const events = [
      { origin: { type: 'portscan', module: 'portscan', ts: 1, ip: '127.0.0.1', port: 22, job_id: '' }, target: { ip: '127.0.0.1', port: 22 }, result: { data: {} } },
      { origin: { type: 'plugin', module: 'x', ts: 2, ip: '127.0.0.1', port: 80, job_id: '' }, target: { ip: '127.0.0.1', port: 80 }, result: { data: {}, status: 'success' } },
    ];
    const r = await rt.invoke(plugin, { context: { events } });
    expect(r.status).toBe('success');
    expect(r.data).toBe('ip,port,type,status\n127.0.0.1,22,portscan,\n127.0.0.1,80,plugin,success\n');
  });
});
