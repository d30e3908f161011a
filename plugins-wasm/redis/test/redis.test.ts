import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpServer, tempDir, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';
import { loadUnit, type AsUnit, type Ptr } from '../../../test/support/as-unit.js';
import { closedPort as freePort, exchange } from '../../../test/support/listeners.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';

const PASSWORD = 'wasmap-test-secret';

/** True once `b` holds one whole RESP bulk reply. */
function wholeBulk(b: Buffer): boolean {
  const eol = b.indexOf('\r\n');
  if (eol < 0) return false;
  return b.length >= eol + 2 + Number(b.subarray(1, eol).toString()) + 2;
}

describe('the redis scanner plugin, on real redis-server daemons', () => {
  const redisPlugin = usePlugin('redis', { services: ['redis'] });
  let unit: AsUnit<{ parse(b: Ptr): Ptr }>;
  let plugin: typeof redisPlugin.plugin;
  let redis: { port: number };
  let lockedPort = 0;
  let infoReply: Buffer;

  beforeAll(async () => {
    plugin = redisPlugin.plugin;
    redis = redisPlugin.service('redis');
    // the parser itself, in-process (test/unit): every prefix of a real INFO reply in one call
    unit = await loadUnit(join(fileURLToPath(new URL('.', import.meta.url)), 'unit'));
    infoReply = await exchange(redis.port, 'INFO\r\n', wholeBulk);
    // a second redis that wants a password, on a free high loopback port, stopped by PID after the file
    const out = tempDir('redis-plugin');
    ({ port: lockedPort } = await redisPlugin.daemon('/usr/bin/redis-server', (port) => [
      '--bind', '127.0.0.1', '--port', String(port), '--requirepass', PASSWORD,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', out, '--logfile', '',
    ]));
  });

  const scan = redisPlugin.scan;
  const parse = (reply: Uint8Array): { data: unknown } => ({ data: unit.getMsgpack(unit.fn.parse(unit.bytes(reply))) });

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
    const r = parse(infoReply);
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
    const r = parse(infoReply); // a trap would throw here
    const d = r.data as Record<string, number>;
    expect(d.state).toBe(1);
    expect(d.prefix_need_more).toBe(infoReply.length);
    expect(d.prefix_malformed + d.prefix_complete).toBe(0);
    expect(d.prefix_max_keys).toBe(Object.keys((r.data as { info: object }).info).length);
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
