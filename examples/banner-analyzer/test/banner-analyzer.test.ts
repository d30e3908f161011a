import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
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
import { tempDir, testRuntime } from '../../../test/sandbox/helpers/fixtures.js';

const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const NAMES = ['ssh', 'http', 'ftp', 'smtp', 'redis', 'memcached', 'mysql', 'postgres', 'telnet'];

interface Running { name: string; host: string; port: number }

// What the banner grabber sends to services that wait for the client; the others speak first.
const PROBES: Record<string, Buffer> = {
  http: Buffer.from('HEAD / HTTP/1.0\r\n\r\n'),
  redis: Buffer.from('INFO server\r\n'),
  memcached: Buffer.from('version\r\n'),
  // StartupMessage with protocol 9.9: PostgreSQL answers with an ErrorResponse naming its range
  postgres: Buffer.from([0, 0, 0, 8, 0, 9, 0, 9]),
};

/** The bytes a loopback service sends within 800 ms (after `probe`, if any). */
function grab(s: Running, probe?: Buffer): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(s.port, s.host, () => {
      if (probe) sock.write(probe);
    });
    const done = (): void => {
      sock.destroy();
      resolve(new Uint8Array(Buffer.concat(chunks)));
    };
    const timer = setTimeout(done, 800);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', () => {
      clearTimeout(timer);
      done();
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length) done();
      else reject(e);
    });
  });
}

/** stdout and stderr of a version command (sshd and nginx print theirs on stderr). */
const sh = (cmd: string, args: string[]): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return `${r.stdout}${r.stderr}`.trim();
};
const pkgVersion = (pkg: string): string => sh('dpkg-query', ['-W', '-f', '${Version}', pkg]);

describe('the banner-analyzer example plugin, on real daemons', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  const banners = new Map<string, Uint8Array>();
  const ports = new Map<string, number>();

  beforeAll(async () => {
    const built = (await buildPlugin(here, { readPluginToml, packManifest, outFile: join(tempDir('banner-analyzer'), 'banner-analyzer.wasm') })) as { wasm: Uint8Array };
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(built.wasm);
    const running = (await startServices(NAMES)) as Running[];
    for (const s of running) {
      ports.set(s.name, s.port);
      banners.set(s.name, await grab(s, PROBES[s.name]));
    }
  });
  afterAll(async () => {
    await rt?.close();
    await stopServices(NAMES);
  });

  const analyze = (name: string, config: Record<string, unknown> = {}): Promise<InvocationResult> => {
    const banner = banners.get(name);
    if (!banner?.length) throw new Error(`no banner from ${name}`);
    return rt.invoke(plugin, { target: { ip: '127.0.0.1', port: ports.get(name)!, transport: 'tcp' }, config, context: { banner } });
  };

  it('needs no capability and no waiting host call', () => {
    expect(plugin.manifest).toMatchObject({ name: 'banner-analyzer', kind: 'detection', capabilities: [], requires: ['banner'] });
    expect(plugin.asyncified).toBe(false);
  });

  it('reads the OpenSSH version and Debian revision that dpkg reports for openssh-server', async () => {
    // "1:9.2p1-2+deb12u10" → upstream 9.2p1, Debian revision 2+deb12u10
    const m = /^(?:\d+:)?([^-]+)-(.+)$/.exec(pkgVersion('openssh-server'))!;
    const r = await analyze('ssh');
    expect(r.status).toBe('success');
    expect(r.service).toEqual({
      name: 'ssh',
      product: 'OpenSSH',
      version: m[1],
      cpe: [`cpe:/a:openbsd:openssh:${m[1]}`, 'cpe:/o:debian:debian_linux'],
      confidence: 1,
      extrainfo: `Debian-${m[2]}; protocol 2.0`,
    });
    expect(sh('/usr/sbin/sshd', ['-V']).startsWith(`OpenSSH_${m[1]!.replace(/p\d+$/, '')}`)).toBe(true);
    expect(r.data).toEqual({ banner_bytes: banners.get('ssh')!.length, protocol: 'ssh', evidence: `SSH-2.0-OpenSSH_${m[1]} Debian-${m[2]}` });
  });

  it('names nginx and the version nginx -v prints from the Server header', async () => {
    const version = /nginx\/(\S+)/.exec(sh('/usr/sbin/nginx', ['-v']))![1];
    const r = await analyze('http');
    expect(r.service).toEqual({ name: 'http', product: 'nginx', version, cpe: [`cpe:/a:igor_sysoev:nginx:${version}`], confidence: 1 });
  });

  it('names vsftpd and its packaged version from the 220 greeting', async () => {
    const version = pkgVersion('vsftpd').split('-')[0];
    const r = await analyze('ftp');
    expect(r.service).toEqual({ name: 'ftp', product: 'vsftpd', version, cpe: [`cpe:/a:beasts:vsftpd:${version}`], confidence: 1 });
  });

  it('names Exim and the version exim4 --version prints, with the greeting host', async () => {
    const version = /Exim version (\S+)/.exec(sh('/usr/sbin/exim4', ['--version']))![1];
    const r = await analyze('smtp');
    expect(r.service).toEqual({ name: 'smtp', product: 'Exim smtpd', version, cpe: [`cpe:/a:exim:exim:${version}`], confidence: 1, extrainfo: 'host wasmap.test' });
  });

  it('reads redis_version from an INFO reply, equal to redis-server --version', async () => {
    const version = /v=(\S+)/.exec(sh('redis-server', ['--version']))![1];
    const r = await analyze('redis');
    expect(r.service).toMatchObject({ name: 'redis', product: 'Redis key-value store', version, cpe: [`cpe:/a:redislabs:redis:${version}`], confidence: 1 });
    expect((r.service as { extrainfo: string }).extrainfo).toMatch(/^standalone; Linux /);
  });

  it('names memcached and the version memcached -V prints', async () => {
    const version = sh('memcached', ['-V']).split(' ')[1];
    const r = await analyze('memcached');
    expect(r.service).toEqual({ name: 'memcached', product: 'Memcached', version, cpe: [`cpe:/a:memcached:memcached:${version}`], confidence: 1 });
  });

  it('tells MariaDB from MySQL in the handshake and drops the 5.5.5- replication prefix', async () => {
    // "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu …"
    const m = /Ver (\d+\.\d+\.\d+)-MariaDB-(\S+)/.exec(sh('/usr/sbin/mariadbd', ['--version']))!;
    const r = await analyze('mysql');
    expect(r.service).toEqual({
      name: 'mysql', product: 'MariaDB', version: m[1], extrainfo: m[2], confidence: 1,
      cpe: [`cpe:/a:mariadb:mariadb:${m[1]}`, 'cpe:/o:debian:debian_linux'],
    });
  });

  it('recognises PostgreSQL by its ErrorResponse to an unsupported protocol version', async () => {
    const r = await analyze('postgres');
    expect(r.service).toEqual({ name: 'postgresql', product: 'PostgreSQL DB', cpe: ['cpe:/a:postgresql:postgresql'], confidence: 0.95, extrainfo: 'protocol 3.0 to 3.0' });
  });

  it('recognises telnet option negotiation, and min_confidence drops identifications below it', async () => {
    const r = await analyze('telnet');
    expect(r.service).toMatchObject({ name: 'telnet', confidence: 0.9 });
    const strict = await analyze('telnet', { min_confidence: 0.95 });
    expect(strict.status).toBe('success');
    expect(strict.service).toBeUndefined();
    expect(strict.data).toMatchObject({ protocol: 'unknown' });
    expect((await analyze('ssh', { min_confidence: 0.95 })).service).toMatchObject({ product: 'OpenSSH' });
  });

  it('parses well-known banners of servers not installed here', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n', { product: 'OpenSSH', version: '9.2p1', extrainfo: 'Debian-2+deb12u3; protocol 2.0' }],
      ['SSH-2.0-dropbear_2022.83\r\n', { product: 'Dropbear sshd', version: '2022.83', cpe: ['cpe:/a:matt_johnston:dropbear_ssh_server:2022.83'] }],
      ['220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n', { name: 'smtp', product: 'Postfix smtpd', cpe: ['cpe:/a:postfix:postfix', 'cpe:/o:debian:debian_linux'] }],
      ['HTTP/1.1 403 Forbidden\r\nDate: x\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n', { product: 'Apache httpd', version: '2.4.57', extrainfo: 'Debian' }],
      ['220 ProFTPD 1.3.8 Server (Debian) [127.0.0.1]\r\n', { product: 'ProFTPD', version: '1.3.8' }],
      ['-NOAUTH Authentication required.\r\n', { name: 'redis', extrainfo: 'authentication required' }],
      ['-DENIED Redis is running in protected mode because protected mode is enabled\r\n', { name: 'redis', extrainfo: 'protected mode' }],
    ];
    for (const [text, want] of cases) {
      const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, context: { banner: new Uint8Array(Buffer.from(text, 'latin1')) } });
      expect(r.service, text).toMatchObject(want);
    }
    // MySQL 8 greeting: length 0x4a, seq 0, protocol 10, "8.0.36-0ubuntu0.22.04.1\0", then the rest
    const v = Buffer.from('8.0.36-0ubuntu0.22.04.1\0', 'latin1');
    const body = Buffer.concat([Buffer.from([10]), v, Buffer.alloc(40, 1)]);
    const greeting = Buffer.concat([Buffer.from([body.length, 0, 0, 0]), body]);
    const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: 3306, transport: 'tcp' }, context: { banner: new Uint8Array(greeting) } });
    expect(r.service).toEqual({ name: 'mysql', product: 'MySQL', version: '8.0.36', extrainfo: '0ubuntu0.22.04.1', confidence: 1, cpe: ['cpe:/a:mysql:mysql:8.0.36', 'cpe:/o:canonical:ubuntu_linux'] });
  });

  it('answers "unknown" for noise without failing, and protocol-error without a banner', async () => {
    let seed = 7;
    for (let i = 0; i < 50; i++) {
      const noise = new Uint8Array(1 + (i * 37) % 300).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
      noise[0] = 0x01; // never a telnet IAC or a length-prefixed greeting by chance
      const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: 9, transport: 'tcp' }, context: { banner: noise } });
      expect(r.status).toBe('success');
      expect(r.data).toMatchObject({ protocol: 'unknown', banner_bytes: noise.length });
    }
    const none = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: 9, transport: 'tcp' } });
    expect(none).toMatchObject({ status: 'protocol-error', error: 'no banner in the input' });
  });
});
