import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
const PASSWORD = 'wasmap-test-secret';

interface Running { name: string; host: string; port: number }

/** True once `b` holds one whole RESP bulk reply. */
function wholeBulk(b: Buffer): boolean {
  const eol = b.indexOf('\r\n');
  if (eol < 0) return false;
  return b.length >= eol + 2 + Number(b.subarray(1, eol).toString()) + 2;
}

describe('the redis scanner plugin, on real redis-server daemons', () => {
  let rt: PluginRuntime;
  let hrt: PluginRuntime;
  let plugin: LoadedPlugin;
  let harness: LoadedPlugin;
  let redis: Running;
  let locked: ChildProcess | undefined;
  let lockedPort = 0;
  let infoReply: Buffer;

  beforeAll(async () => {
    const out = tempDir('redis-plugin');
    const built = (await buildPlugin(here, { readPluginToml, packManifest, outFile: join(out, 'redis.wasm') })) as { wasm: Uint8Array };
    const h = (await buildPlugin(join(here, 'test', 'harness'), { readPluginToml, packManifest, outFile: join(out, 'harness.wasm') })) as { wasm: Uint8Array };
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(built.wasm);
    // the harness parses ~5000 prefixes of a real INFO reply in one call: more CPU than a probe may use
    hrt = testRuntime({ workers: 1, limits: { cpu_ms: 8000 } });
    harness = await hrt.load(h.wasm);
    [redis] = (await startServices(['redis'])) as Running[];
    infoReply = await exchange(redis.port, 'INFO\r\n', wholeBulk);
    // a second redis that wants a password, on a free high loopback port, stopped by PID below
    lockedPort = await freePort();
    locked = spawn('/usr/bin/redis-server', [
      '--bind', '127.0.0.1', '--port', String(lockedPort), '--requirepass', PASSWORD,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', out, '--logfile', '',
    ], { stdio: 'ignore' });
    await waitForPort(lockedPort);
  });
  afterAll(async () => {
    await rt?.close();
    await hrt?.close();
    if (locked?.pid && locked.exitCode === null) process.kill(locked.pid, 'SIGTERM');
    await stopServices(['redis']);
  });

  const scan = (port: number, config: Record<string, unknown> = {}): Promise<InvocationResult> =>
    rt.invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, config });
  const parse = (reply: Uint8Array): Promise<InvocationResult> =>
    hrt.invoke(harness, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, config: {}, context: { banner: reply } });

  it('is an active scanner for port 6379 or any port named redis', () => {
    expect(plugin.manifest).toMatchObject({
      name: 'redis', kind: 'scanner', capabilities: ['network'],
      match: { ports: [6379], services: ['redis'], transport: 'tcp' },
    });
  });

  it('reports redis_version equal to redis-server --version, and the other INFO keys verbatim', async () => {
    const version = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout)![1]!;
    const r = await scan(redis.port);
    expect(r.status).toBe('success');
    expect(r.service).toEqual({ name: 'redis', product: 'Redis', version, cpe: [`cpe:/a:redis:redis:${version}`], confidence: 1 });
    const data = r.data as Record<string, unknown>;
    expect(data).toMatchObject({
      redis_version: version, tcp_port: String(redis.port), redis_mode: 'standalone', role: 'master',
      os: expect.stringMatching(/^Linux /), auth_required: false,
    });
    expect(data.used_memory_human).toMatch(/^\d+(\.\d+)?[KMG]?$/);
    expect(Number(data.connected_clients)).toBeGreaterThanOrEqual(1);
    expect(Object.values(data).filter((v) => typeof v !== 'string')).toEqual([false]); // only auth_required is not text
    // the key count as redis itself reports it to another client right after
    const keyspace = (await exchange(redis.port, 'INFO keyspace\r\n', wholeBulk)).toString();
    const keys = [...keyspace.matchAll(/^db\d+:keys=(\d+),/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(r.summary).toBe(`Redis ${version} standalone master, no auth, ${keys} key${keys === 1 ? '' : 's'}`);
  });

  it('returns every key:value line of the reply redis sends to any client', async () => {
    const lines = infoReply.toString('utf8').split('\r\n').filter((l) => l.includes(':') && !l.startsWith('#'));
    const r = await parse(infoReply);
    const info = (r.data as { info: Record<string, string> }).info;
    expect(Object.keys(info)).toEqual(lines.map((l) => l.slice(0, l.indexOf(':'))));
    expect(info.redis_version).toBe(/redis_version:(\S+)/.exec(infoReply.toString())![1]);
  });

  it('answers auth_required true, with no version, when the server wants a password', async () => {
    const r = await scan(lockedPort);
    expect(r.status).toBe('success');
    expect(r.data).toEqual({ auth_required: true, error: 'NOAUTH Authentication required.' });
    expect(r.service).toEqual({ name: 'redis', product: 'Redis', confidence: 0.9 });
    expect(r.summary).toBe('auth required');
  });

  it('calls a closed port connection-refused', async () => {
    const r = await scan(await freePort());
    expect(r.status).toBe('connection-refused');
  });

  it('never traps on a cut reply: every proper prefix is incomplete, and only whole lines are kept', async () => {
    const r = await parse(infoReply);
    const d = r.data as Record<string, number>;
    expect(r.status).toBe('success');
    expect(d.state).toBe(1);
    expect(d.prefix_need_more).toBe(infoReply.length);
    expect(d.prefix_malformed + d.prefix_complete).toBe(0);
    expect(d.prefix_max_keys).toBe(Object.keys((r.data as { info: object }).info).length);
  });

  it('refuses hostile replies as malformed instead of allocating or trapping', async () => {
    const cases: [string, string][] = [
      ['$-2\r\n', 'bad bulk length'],
      ['$99999999999\r\n', 'bad bulk length'],
      ['$9999999\r\n', 'bulk reply of 9999999 bytes is over the 262144-byte cap'],
      ['$1x\r\n', 'bad bulk length'],
      ['$3\r\nabcXY', 'bulk reply not terminated by CRLF'],
      ['HTTP/1.1 400 Bad Request\r\n', 'not a RESP reply'],
      ['SSH-2.0-OpenSSH', 'not a RESP reply'],
      [`+${'A'.repeat(5000)}`, 'reply line longer than 4096 bytes'],
    ];
    for (const [reply, why] of cases) {
      const r = await parse(Buffer.from(reply, 'latin1'));
      expect({ reply: reply.slice(0, 20), ...(r.data as object) }).toMatchObject({ reply: reply.slice(0, 20), state: 2, text: why });
    }
  });

  it('keeps text around bytes that are not UTF-8 (each becomes U+FFFD)', async () => {
    const body = Buffer.concat([Buffer.from('# Server\r\nos:Lin'), Buffer.from([0xff, 0xc3]), Buffer.from('ux\r\nrole:master\r\n')]);
    const reply = Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
    const d = (await parse(reply)).data as { state: number; info: Record<string, string> };
    expect(d).toEqual(expect.objectContaining({ state: 1, info: { os: 'Lin\ufffd\ufffdux', role: 'master' } }));
  });

  describe('against a fake server on loopback', () => {
    let cut: TestServer;
    beforeAll(async () => {
      // answers INFO with the first 60% of the real reply, then closes
      cut = await tcpServer((s) => s.once('data', () => s.end(infoReply.subarray(0, Math.floor(infoReply.length * 0.6)))));
    });
    afterAll(async () => cut?.close());

    it('counts the keys of every database of the Keyspace section in its summary', async () => {
      // the real reply with two databases added, its bulk length fixed up
      const body = infoReply.subarray(infoReply.indexOf('\r\n') + 2, infoReply.length - 2).toString('latin1');
      const more = `${body}# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\ndb2:keys=40,expires=1,avg_ttl=9\r\n`;
      const srv = await tcpServer((s) => s.once('data', () => s.end(`$${Buffer.byteLength(more, 'latin1')}\r\n${more}\r\n`, 'latin1')));
      try {
        const r = await scan(srv.port);
        expect(r.status).toBe('success');
        expect(r.summary).toBe(`Redis ${/redis_version:(\S+)/.exec(body)![1]} standalone master, no auth, 43 keys`);
      } finally {
        await srv.close();
      }
    });

    it('reports the whole lines of a reply cut short as a partial protocol-error', async () => {
      const r = await scan(cut.port);
      expect(r.status).toBe('protocol-error');
      expect(r.error).toBe('connection closed mid-reply');
      expect((r.data as Record<string, string>).redis_version).toBe(/redis_version:(\S+)/.exec(infoReply.toString())![1]);
      expect((r.service as { version: string }).version).toBe((r.data as Record<string, string>).redis_version);
    });
  });
});
