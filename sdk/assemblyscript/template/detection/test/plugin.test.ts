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

const detect = (banner: string, config: Record<string, unknown> = {}) =>
  rt.invoke(plugin, { target: { ip: '127.0.0.1', port: 7, transport: 'tcp' }, config, context: { banner: new Uint8Array(Buffer.from(banner, 'latin1')) } });

describe('{{name}}', () => {
  it('names the service when the banner starts with the configured prefix', async () => {
    const r = await detect('HELLO world\r\n');
    expect(r.status).toBe('success');
    expect(r.service).toEqual({ name: '{{name}}', confidence: 0.5, extrainfo: 'world' });
    expect(r.data).toEqual({ banner_bytes: 13 });
  });

  it('stays silent on other banners and follows its config', async () => {
    expect((await detect('SSH-2.0-OpenSSH_9.2p1\r\n')).service).toBeUndefined();
    expect((await detect('SSH-2.0-OpenSSH_9.2p1\r\n', { prefix: 'SSH-' })).service).toMatchObject({ name: '{{name}}' });
  });
});
