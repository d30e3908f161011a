import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { tcpServer, tempDir, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';
import { exchange } from '../../../test/support/listeners.js';
import { loadUnit, type AsUnit, type Ptr } from '../../../test/support/as-unit.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';


interface Running { name: string; host: string; port: number; pid: number }

describe('the memcached scanner plugin, on real memcached daemons', () => {
  const under = usePlugin('memcached', { services: ['memcached'] });
  let unit: AsUnit<{ parse(b: Ptr): Ptr }>;
  let mc: Running;
  let statsReply: Buffer;
  let lockedPort = 0;

  beforeAll(async () => {
    mc = under.service<Running>('memcached');
    // the parser itself, in-process (test/unit): every prefix of a real stats reply in one call
    unit = await loadUnit(join(fileURLToPath(new URL('.', import.meta.url)), 'unit'));
    statsReply = await exchange(mc.port, 'stats\r\n', (b) => b.toString('latin1').endsWith('END\r\n'));
    // a second memcached with ASCII authentication (-Y), on a free high loopback port, stopped by PID after the file
    const authDir = tempDir('memcached-auth');
    const authFile = join(authDir, 'auth');
    writeFileSync(authFile, 'wasmap:secret\n');
    chmodSync(authDir, 0o755); // memcached reads it after dropping to `nobody`
    chmodSync(authFile, 0o644);
    const user = userInfo().uid === 0 ? ['-u', 'nobody'] : [];
    ({ port: lockedPort } = await under.daemon('/usr/bin/memcached', (port) => [...user, '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '8', '-Y', authFile]));
  });

  const scan = (port: number): Promise<InvocationResult> => under.scan(port);
  const parse = (reply: Uint8Array): { data: unknown } => ({ data: unit.getMsgpack(unit.fn.parse(unit.bytes(reply))) });

  it('is an active scanner for port 11211 or any port named memcached', () => {
    expect(under.plugin.manifest).toMatchObject({
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
