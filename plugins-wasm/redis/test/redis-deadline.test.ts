// Issue #12 item 8: the plugin plans its waits from the invocation's time left
// (time_left_ms), not from a fixed 9 s budget, so a lowered wall_ms still gets
// its partial result back instead of an application-error with no data.
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packManifest } from '../../../src/authoring/pack.js';
import { readPluginToml } from '../../../src/authoring/plugin-toml.js';
import type { LoadedPlugin, PluginRuntime } from '../../../src/sandbox/index.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../../../sdk/assemblyscript/scripts/build.mjs';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../../../test/support/services.mjs';
import { tcpServer, tempDir, testRuntime, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';

const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** True once `b` holds one whole RESP bulk reply. */
function wholeBulk(b: Buffer): boolean {
  const eol = b.indexOf('\r\n');
  if (eol < 0) return false;
  return b.length >= eol + 2 + Number(b.subarray(1, eol).toString()) + 2;
}

describe('the redis scanner under a lowered wall_ms, on a real redis-server', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  let redisPort = 0;
  let stalling: TestServer;

  beforeAll(async () => {
    const built = (await buildPlugin(here, { readPluginToml, packManifest, outFile: join(tempDir('redis-deadline'), 'redis.wasm') })) as { wasm: Uint8Array };
    // as `--plugin-limit wall_ms=2000` sets it: below the plugin's 3 s read timeout
    rt = testRuntime({ workers: 1, limits: { wall_ms: 2000 } });
    plugin = await rt.load(built.wasm);
    [{ port: redisPort }] = (await startServices(['redis'])) as { port: number }[];
    // a slow link in front of the real server: relays the request, then the first
    // 60% of redis's INFO reply, and holds the rest (the connection stays open)
    stalling = await tcpServer((client) => {
      const up: Socket = connect(redisPort, '127.0.0.1');
      up.on('error', () => client.destroy());
      client.on('data', (d) => up.write(d));
      client.on('close', () => up.destroy());
      let reply = Buffer.alloc(0);
      up.on('data', (d) => {
        reply = Buffer.concat([reply, d]);
        if (wholeBulk(reply)) client.write(reply.subarray(0, Math.floor(reply.length * 0.6)));
      });
    });
  });
  afterAll(async () => {
    await rt?.close();
    await stalling?.close();
    await stopServices(['redis']);
  });

  const scan = (port: number) => rt.invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, config: {} });

  it('answers success from a prompt server', async () => {
    const r = await scan(redisPort);
    expect(r.status).toBe('success');
    expect((r.data as Record<string, string>).redis_version).toMatch(/^\d+\.\d+/);
  });

  it('returns the INFO lines read so far when the reply stalls, instead of running out of wall time', async () => {
    const r = await scan(stalling.port);
    expect(r.status).toBe('io-timeout');
    // the last wait ends at the plugin's deadline: the recv times out, or the loop sees the deadline passed
    expect(r.error).toMatch(/^(ETIMEDOUT|INFO reply incomplete)/);
    const data = r.data as Record<string, string>;
    expect(data.redis_version).toMatch(/^\d+\.\d+/);
    expect(r.service).toMatchObject({ name: 'redis', product: 'Redis', version: data.redis_version });
  });
});
