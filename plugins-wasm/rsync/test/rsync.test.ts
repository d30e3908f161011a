import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { tcpServer, tempDir, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';


interface Running { name: string; host: string; port: number; extra: { greeting: string; modules: string[] } }
interface RsyncData { banner: string; protocol_version: string; digests: string[]; motd?: string; modules: { name: string; comment: string }[]; error?: string }

/** What the daemon sends to a client that answers its greeting with `answer`, until it closes. */
function converse(port: number, answer: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sent = false;
    const sock = connect(port, '127.0.0.1');
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('daemon did not close in 5 s')); }, 5000);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      if (!sent) { sent = true; sock.write(answer); }
    });
    sock.on('error', () => {}); // the daemon may reset after its last line
    sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
  });
}

describe('the rsync scanner plugin, on real rsync daemons', () => {
  const under = usePlugin('rsync', { services: ['rsync'], harness: true });
  let daemon: Running;
  let stream: Buffer;
  let secondPort = 0;

  beforeAll(async () => {
    daemon = under.service<Running>('rsync');
    stream = await converse(daemon.port, '@RSYNCD: 30.0\n#list\n');
    // a second daemon, no motd: one listed module that needs a password, one hidden module
    const out = tempDir('rsync-plugin');
    const root = join(out, 'tree');
    mkdirSync(root);
    const conf = join(out, 'rsyncd.conf');
    writeFileSync(conf, [
      `pid file = ${join(out, 'rsyncd.pid')}`, 'use chroot = no',
      '[backup]', `  path = ${root}`, '  comment = needs a password', '  auth users = wasmap', `  secrets file = ${join(out, 'secrets')}`,
      '[hidden]', `  path = ${root}`, '  list = no', '',
    ].join('\n'));
    writeFileSync(join(out, 'secrets'), 'wasmap:secret\n', { mode: 0o600 });
    ({ port: secondPort } = await under.daemon('/usr/bin/rsync', (port) =>
      ['--daemon', '--no-detach', `--config=${conf}`, `--port=${port}`, '--address=127.0.0.1', `--log-file=${join(out, 'rsyncd.log')}`]));
  });

  const scan = under.scan;
  const parse = (bytes: Uint8Array): Promise<InvocationResult> => under.parse({ banner: bytes });

  it('is an active scanner for port 873 or any port named rsync', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'rsync', kind: 'scanner', capabilities: ['network'],
      match: { ports: [873], services: ['rsync'], transport: 'tcp' },
    });
  });

  it('reports the protocol rsync --version names, the motd, and the listed modules with their comments', async () => {
    const protocol = /protocol version (\d+)/.exec(spawnSync('rsync', ['--version'], { encoding: 'utf8' }).stdout)![1]!;
    const r = await scan(daemon.port);
    expect(r.status).toBe('success');
    const d = r.data as RsyncData;
    expect(d.banner).toBe(daemon.extra.greeting);
    expect(d.protocol_version).toBe(`${protocol}.0`);
    expect(d.digests).toEqual(daemon.extra.greeting.split(' ').slice(2));
    expect(d.motd).toBe('Welcome to the wasmap test rsync daemon');
    expect(d.modules).toEqual([
      { name: 'pub', comment: 'wasmap anonymous module' },
      { name: 'docs', comment: 'wasmap docs module' },
    ]);
    expect(d.modules.map((m) => m.name)).toEqual(daemon.extra.modules);
    expect(r.service).toEqual({ name: 'rsync', product: 'rsync', extrainfo: `protocol ${protocol}.0`, confidence: 1 });
    expect(r.summary).toBe(`protocol ${protocol}.0; modules: ${daemon.extra.modules.join(', ')}`);
  });

  it('lists only what the daemon lists: a password module yes, a list = no module never', async () => {
    const r = await scan(secondPort);
    expect(r.status).toBe('success');
    const d = r.data as RsyncData;
    expect(d.modules).toEqual([{ name: 'backup', comment: 'needs a password' }]);
    expect(d.motd).toBeUndefined();
    expect(r.summary).toBe(`protocol ${d.protocol_version}; modules: backup`);
  });

  it('reads a real daemon stream whole, and every proper prefix of it as incomplete', async () => {
    const d = (await parse(stream)).data as Record<string, unknown>;
    expect(d).toMatchObject({ state: 1, error: '', motd: 'Welcome to the wasmap test rsync daemon', dropped: 0 });
    expect((d.modules as { name: string }[]).map((m) => m.name)).toEqual(['pub', 'docs']);
    expect(d).toMatchObject({ prefix_need_more: stream.length, prefix_malformed: 0, prefix_complete: 0, prefix_regress: 0 });
  });

  it('refuses foreign and hostile streams as malformed, and keeps an @ERROR as the answer', async () => {
    const cases: [string, number, string][] = [
      ['SSH-2.0-OpenSSH_9.2\r\n', 2, 'not an rsync daemon greeting'],
      ['HTTP/1.1 400', 2, 'not an rsync daemon greeting'],
      ['@RSYNCD: x.y\n', 2, 'not an rsync daemon greeting'],
      [`@RSYNCD: ${'3'.repeat(5000)}`, 2, 'line longer than 4096 bytes'],
      ['@RSYNCD: 31.0\n@ERROR: access denied to pub from localhost (127.0.0.1)\n', 1, '@ERROR: access denied to pub from localhost (127.0.0.1)'],
    ];
    for (const [bytes, state, error] of cases) {
      const d = (await parse(Buffer.from(bytes, 'latin1'))).data as object;
      expect({ bytes: bytes.slice(0, 20), ...d }).toMatchObject({ bytes: bytes.slice(0, 20), state, error });
    }
  });

  describe('against a fake daemon on loopback', () => {
    let cut: TestServer;
    beforeAll(async () => {
      // greets, then sends the list without its @RSYNCD: EXIT and closes
      const whole = stream.toString('latin1');
      const greeting = whole.slice(0, whole.indexOf('\n') + 1);
      const rest = whole.slice(greeting.length, whole.indexOf('@RSYNCD: EXIT'));
      cut = await tcpServer((s) => { s.write(greeting); s.once('data', () => s.end(rest)); });
    });
    afterAll(async () => cut?.close());

    it('reports a list cut short as a partial protocol-error with the modules read', async () => {
      const r = await scan(cut.port);
      expect(r.status).toBe('protocol-error');
      expect(r.error).toBe('connection closed before @RSYNCD: EXIT');
      expect((r.data as RsyncData).modules.map((m) => m.name)).toEqual(['pub', 'docs']);
    });
  });
});
