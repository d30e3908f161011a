import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packManifest } from '../../../src/authoring/pack.js';
import { readPluginToml } from '../../../src/authoring/plugin-toml.js';
import type { InvocationResult, LoadedPlugin, PluginRuntime } from '../../../src/sandbox/index.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../../../sdk/assemblyscript/scripts/build.mjs';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../../../test/support/services.mjs';
import { tcpServer, tempDir, testRuntime, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';
import { closedPort as freePort, waitForPort, exchange } from '../../../test/support/listeners.js';

const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');

interface Running { name: string; host: string; port: number; pid: number }

describe('the memcached scanner plugin, on real memcached daemons', () => {
  let rt: PluginRuntime;
  let hrt: PluginRuntime;
  let plugin: LoadedPlugin;
  let harness: LoadedPlugin;
  let mc: Running;
  let statsReply: Buffer;
  let locked: ChildProcess | undefined;
  let lockedPort = 0;

  beforeAll(async () => {
    const out = tempDir('memcached-plugin');
    const built = (await buildPlugin(here, { readPluginToml, packManifest, outFile: join(out, 'memcached.wasm') })) as { wasm: Uint8Array };
    const h = (await buildPlugin(join(here, 'test', 'harness'), { readPluginToml, packManifest, outFile: join(out, 'harness.wasm') })) as { wasm: Uint8Array };
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(built.wasm);
    // the harness parses every prefix of a real reply in one call: more CPU than a probe may use
    hrt = testRuntime({ workers: 1, limits: { cpu_ms: 8000 } });
    harness = await hrt.load(h.wasm);
    [mc] = (await startServices(['memcached'])) as Running[];
    statsReply = await exchange(mc.port, 'stats\r\n', (b) => b.toString('latin1').endsWith('END\r\n'));
    // a second memcached with ASCII authentication (-Y), on a free high loopback port, stopped by PID below
    const authDir = tempDir('memcached-auth');
    const authFile = join(authDir, 'auth');
    writeFileSync(authFile, 'wasmap:secret\n');
    chmodSync(authDir, 0o755); // memcached reads it after dropping to `nobody`
    chmodSync(authFile, 0o644);
    lockedPort = await freePort();
    const user = userInfo().uid === 0 ? ['-u', 'nobody'] : [];
    locked = spawn('/usr/bin/memcached', [...user, '-l', '127.0.0.1', '-p', String(lockedPort), '-U', '0', '-m', '8', '-Y', authFile], { stdio: 'ignore' });
    await waitForPort(lockedPort);
  });
  afterAll(async () => {
    await rt?.close();
    await hrt?.close();
    if (locked?.pid && locked.exitCode === null) process.kill(locked.pid, 'SIGTERM');
    await stopServices(['memcached']);
  });

  const scan = (port: number): Promise<InvocationResult> =>
    rt.invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, config: {} });
  const parse = (reply: Uint8Array): Promise<InvocationResult> =>
    hrt.invoke(harness, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, config: {}, context: { banner: reply } });

  it('is an active scanner for port 11211 or any port named memcached', () => {
    expect(plugin.manifest).toMatchObject({
      name: 'memcached', kind: 'scanner', capabilities: ['network'],
      match: { ports: [11211], services: ['memcached'], transport: 'tcp' },
    });
  });

  it('reports the version memcached -V prints, and the STAT keys verbatim', async () => {
    const version = spawnSync('memcached', ['-V'], { encoding: 'utf8' }).stdout.trim().split(' ')[1]!;
    const r = await scan(mc.port);
    expect(r.status).toBe('success');
    expect(r.service).toEqual({ name: 'memcached', product: 'Memcached', version, cpe: [`cpe:/a:memcached:memcached:${version}`], confidence: 1 });
    const data = r.data as Record<string, unknown>;
    expect(data).toMatchObject({ version, pid: String(mc.pid), auth_required: false, limit_maxbytes: String(32 * 1024 * 1024) });
    expect(Number(data.curr_connections)).toBeGreaterThanOrEqual(1);
    expect(Number(data.uptime)).toBeGreaterThanOrEqual(0);
    expect(data.curr_items).toMatch(/^\d+$/);
    expect(r.summary).toBe(`Memcached ${version}, no auth, ${data.curr_items} item${data.curr_items === '1' ? '' : 's'}`);
  });

  it('keeps exactly the STAT lines memcached sends to any client, in order', async () => {
    const lines = statsReply.toString('latin1').split('\r\n').filter((l) => l.startsWith('STAT '));
    const r = await parse(statsReply);
    const d = r.data as { state: number; stats: Record<string, string> };
    expect(d.state).toBe(1);
    expect(Object.entries(d.stats)).toEqual(lines.map((l) => { const [, k, ...v] = l.split(' '); return [k, v.join(' ')]; }));
  });

  it('answers auth_required true when memcached wants ASCII authentication', async () => {
    const r = await scan(lockedPort);
    expect(r.status).toBe('success');
    expect(r.data).toEqual({ auth_required: true, error: 'CLIENT_ERROR unauthenticated' });
    expect(r.service).toEqual({ name: 'memcached', product: 'Memcached', confidence: 0.9 });
    expect(r.summary).toBe('auth required');
  });

  it('never traps on a cut reply: every proper prefix is incomplete and knows only the lines so far', async () => {
    const d = (await parse(statsReply)).data as Record<string, number>;
    expect(d).toMatchObject({ prefix_need_more: statsReply.length, prefix_malformed: 0, prefix_complete: 0, prefix_other: 0, prefix_bad_keys: 0 });
  });

  it('refuses hostile and foreign replies as malformed, and reads error lines as refusals', async () => {
    const cases: [string, number, string][] = [
      ['STAT pid\r\n', 2, 'STAT line without a name and a value'],
      ['STAT  1\r\n', 2, 'STAT line without a name and a value'],
      [`STAT pid ${'9'.repeat(2000)}\r\n`, 2, 'reply line longer than 1024 bytes'],
      ['HTTP/1.1 400 Bad Request\r\n', 2, 'not a stats reply'],
      ['SSH-2.0-OpenSSH', 2, 'not a stats reply'],
      ['STAT pid 1\r\nSERVER_ERROR out of memory\r\n', 2, 'SERVER_ERROR out of memory'],
      ['ERROR\r\n', 3, 'ERROR'],
    ];
    for (const [reply, state, text] of cases) {
      const d = (await parse(Buffer.from(reply, 'latin1'))).data as object;
      expect({ reply: reply.slice(0, 20), ...d }).toMatchObject({ reply: reply.slice(0, 20), state, text });
    }
  });

  describe('against fake servers on loopback', () => {
    let cut: TestServer;
    let unknown: TestServer;
    beforeAll(async () => {
      unknown = await tcpServer((s) => s.once('data', () => s.end('ERROR\r\n')));
      // answers stats with the first half of the real reply, then closes
      cut = await tcpServer((s) => s.once('data', () => s.end(statsReply.subarray(0, Math.floor(statsReply.length / 2)))));
    });
    afterAll(async () => { await cut?.close(); await unknown?.close(); });

    it('calls a plain ERROR answer a protocol-error: any server may say that', async () => {
      const r = await scan(unknown.port);
      expect(r.status).toBe('protocol-error');
      expect(r.error).toBe('ERROR');
      expect(r.service).toBeUndefined();
    });

    it('reports the STAT lines of a reply cut short as a partial protocol-error', async () => {
      const r = await scan(cut.port);
      expect(r.status).toBe('protocol-error');
      expect(r.error).toBe('connection closed mid-reply');
      expect((r.data as Record<string, string>).pid).toBe(String(mc.pid));
    });
  });
});
