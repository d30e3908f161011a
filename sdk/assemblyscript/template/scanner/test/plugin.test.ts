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
import { createServer, type Server } from 'node:net';

const pluginDir = join(fileURLToPath(new URL('.', import.meta.url)), '..');

let rt: PluginRuntime;
let plugin: LoadedPlugin;
beforeAll(async () => {
  const { wasm } = (await buildPlugin(pluginDir, { readPluginToml, packManifest, outFile: join(tempDir('{{name}}'), '{{name}}.wasm') })) as { wasm: Uint8Array };
  rt = testRuntime({ workers: 1 });
  plugin = await rt.load(wasm);
}, 120_000);
afterAll(() => rt?.close());

/** A loopback server that greets each client with `greeting` (and echoes a probe line back). */
async function greeter(greeting: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on('error', () => {});
    if (greeting) s.write(greeting);
    s.on('data', (d) => s.end(`ECHO ${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

describe('{{name}}', () => {
  it('reports the first line a service sends', async () => {
    const { server, port } = await greeter('HELLO from a test server\r\nsecond line\r\n');
    try {
      const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp' } });
      expect(r.status).toBe('success');
      expect(r.data).toEqual({ banner: 'HELLO from a test server', port });
    } finally {
      server.close();
    }
  });

  it('sends its probe first when configured', async () => {
    const { server, port } = await greeter('');
    try {
      const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, config: { probe: 'PING\r\n' } });
      expect(r.data).toEqual({ banner: 'ECHO PING', port });
    } finally {
      server.close();
    }
  });

  it('says connection-refused for a closed port', async () => {
    const { server, port } = await greeter('');
    await new Promise<void>((r) => server.close(() => r()));
    const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp' } });
    expect(r).toMatchObject({ status: 'connection-refused', error: 'ECONNREFUSED' });
  });
});
