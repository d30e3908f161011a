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

const host = (n: number) => ({
  asset: { ip: '127.0.0.1' },
  open_ports: Array.from({ length: n }, (_, i) => ({ ip: '127.0.0.1', port: 1000 + i, transport: 'tcp', reason: 'syn-ack' })),
  service_fingerprints: [],
});

describe('{{name}}', () => {
  it('reports a host with more open ports than max_open_ports', async () => {
    const r = await rt.invoke(plugin, { config: { max_open_ports: 2 }, context: host(3) });
    expect(r.status).toBe('success');
    expect(r.findings).toEqual([{ id: '{{name}}-many-open-ports', title: 'More than 2 open ports', severity: 'low', evidence: '3 open ports on 127.0.0.1' }]);
    expect(r.data).toEqual({ ip: '127.0.0.1', open_ports: 3 });
  });

  it('finds nothing below the threshold', async () => {
    const r = await rt.invoke(plugin, { context: host(3) });
    expect(r.findings).toBeUndefined();
  });
});
