// The service-simple scanner plugin: built from source, run in the real
// plugin runtime against every real daemon of test/support/services.mjs
// (versions compared with what the installed packages report), against a
// silent listener and a closed port, and against loopback servers replaying
// literal greetings of software not installed here (Apache, Postfix,
// Dropbear, ProFTPD, …), including every truncated prefix of real replies.
//   npx vitest run plugins-wasm/service-simple
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
// @ts-expect-error plain ESM module with JSDoc types
import { ensureCertificate } from '../../../test/support/services.mjs';
import { usePlugin } from '../../../test/support/plugin-harness.js';

const NAMES = ['ssh', 'http', 'https', 'redis', 'memcached', 'mqtt', 'postgres', 'mysql', 'ftp', 'rsync', 'telnet', 'smtp'];

interface Running { name: string; host: string; port: number; extra: Record<string, unknown> }
interface ServiceOut {
  name: string; product?: string; version?: string; cpe: string[]; extrainfo?: string; ostype?: string;
  hostname?: string; method: string; probe: string; banner: string; confidence: number;
}
interface DataOut { state: { state: string }; service: ServiceOut }

const under = usePlugin('service-simple', { services: NAMES, privateServices: true, runtime: { workers: 2 } });
const running = new Map<string, Running>();
const servers: Server[] = [];

beforeAll(() => {
  for (const name of NAMES) running.set(name, under.service<Running>(name));
});
afterAll(() => {
  for (const s of servers) s.close();
});

const scan = under.scan;

/**
 * `data.service` (BinaryEdge's shape, every key), after checking the port is
 * open and that the result's `service` (the SDK's Service, A8) carries the
 * same values: all but hostname and device, which it has no keys for, and
 * without the keys the SDK leaves out when empty.
 */
function serviceOf(r: InvocationResult): ServiceOut {
  expect(r.status, r.error).toBe('success');
  const data = r.data as DataOut;
  expect(data.state).toEqual({ state: 'open' });
  const { hostname: _h, device: _d, ...rest } = data.service as ServiceOut & { device?: string };
  const want: Record<string, unknown> = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== '' && !(Array.isArray(v) && v.length === 0)));
  expect(r.service).toEqual(want);
  expect(Object.keys(r.service!).every((k) => ['name', 'product', 'version', 'cpe', 'extrainfo', 'ostype', 'method', 'probe', 'banner', 'confidence'].includes(k))).toBe(true);
  return data.service;
}

/** stdout+stderr of a command (some print their version on stderr). */
function cmd(bin: string, ...args: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}
/** The upstream version of an installed Debian package: epoch and Debian revision cut off. */
function debVersion(pkg: string): string {
  const v = spawnSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).stdout;
  return v.replace(/^\d+:/, '').replace(/-[^-]*$/, '').replace(/[+~].*$/, '');
}
const grab = (re: RegExp, text: string): string => {
  const m = re.exec(text);
  if (!m) throw new Error(`${re} not found in ${JSON.stringify(text.slice(0, 200))}`);
  return m[1];
};

describe('against the real daemons', () => {
  it('names OpenSSH with the packaged version, its Debian revision and Linux', async () => {
    const r = await scan(running.get('ssh')!.port);
    const s = serviceOf(r);
    const version = debVersion('openssh-server');
    expect(s).toMatchObject({ name: 'ssh', product: 'OpenSSH', version, ostype: 'Linux', method: 'probe_matching', probe: 'NULL' });
    expect(s.cpe).toEqual([`cpe:/a:openbsd:openssh:${version}`, 'cpe:/o:linux:linux_kernel']);
    expect(s.extrainfo).toBe(`${grab(/ (Debian-\S+)/, String(running.get('ssh')!.extra.banner)).replace('-', ' ')}; protocol 2.0`);
    expect(s.banner).toBe(`${String(running.get('ssh')!.extra.banner)}\\r\\n`);
    expect(s.confidence).toBe(0.95);
    expect(r.service).toMatchObject({ ostype: 'Linux', method: 'probe_matching', probe: 'NULL', banner: s.banner, extrainfo: s.extrainfo });
    // no summary line: the table heads the port with this service already
    expect(r.summary).toBeUndefined();
  });

  it('names nginx over plain HTTP with the version nginx -v prints', async () => {
    const r = await scan(running.get('http')!.port);
    const s = serviceOf(r);
    const version = grab(/nginx\/(\S+)/, cmd('/usr/sbin/nginx', '-v'));
    expect(s).toMatchObject({ name: 'http', product: 'nginx', version, cpe: [`cpe:/a:igor_sysoev:nginx:${version}`], method: 'probe_matching' });
    expect(s.probe).toBe('GetRequest');
  });

  it('says https with nginx inside after a TLS handshake', async () => {
    const s = serviceOf(await scan(running.get('https')!.port));
    const version = grab(/nginx\/(\S+)/, cmd('/usr/sbin/nginx', '-v'));
    expect(s).toMatchObject({ name: 'https', product: 'nginx', version, probe: 'TLSSessionReq+GetRequest' });
    expect(s.extrainfo).toMatch(/^TLSv1\.[23]$/);
  });

  it('reads the Redis version from INFO, equal to redis-server --version', async () => {
    const s = serviceOf(await scan(running.get('redis')!.port));
    const version = grab(/v=(\S+)/, cmd('/usr/bin/redis-server', '--version'));
    expect(s).toMatchObject({ name: 'redis', product: 'Redis key-value store', version, ostype: 'Linux', probe: 'RedisInfo' });
    expect(s.cpe[0]).toBe(`cpe:/a:redis:redis:${version}`);
  });

  it('reads the memcached version equal to memcached -V', async () => {
    const s = serviceOf(await scan(running.get('memcached')!.port));
    const version = grab(/memcached (\S+)/, cmd('/usr/bin/memcached', '-V'));
    expect(s).toMatchObject({ name: 'memcached', product: 'Memcached', version, cpe: [`cpe:/a:memcached:memcached:${version}`], probe: 'MemcachedVersion' });
  });

  it('names Mosquitto and its packaged version from CONNACK and $SYS/broker/version', async () => {
    const s = serviceOf(await scan(running.get('mqtt')!.port));
    const version = debVersion('mosquitto');
    expect(s).toMatchObject({ name: 'mqtt', product: 'Mosquitto', version, extrainfo: 'connection accepted', probe: 'MQTTConnect' });
  });

  it('recognises PostgreSQL by its one-byte SSLRequest answer (no version is sent before login)', async () => {
    const s = serviceOf(await scan(running.get('postgres')!.port));
    expect(s).toMatchObject({ name: 'postgresql', product: 'PostgreSQL DB', extrainfo: 'SSL supported', probe: 'PostgresSSLRequest', banner: 'S' });
    expect(s.version).toBeUndefined();
    expect(s.confidence).toBe(0.85);
  });

  it('parses the MariaDB handshake to the version mariadbd --version prints', async () => {
    const s = serviceOf(await scan(running.get('mysql')!.port));
    const full = grab(/Ver (\S+)/, cmd('/usr/sbin/mariadbd', '--version'));
    const version = grab(/^([\d.]+)/, full);
    expect(s).toMatchObject({ name: 'mysql', product: 'MariaDB', version, extrainfo: `5.5.5-${full}`, ostype: 'Linux', probe: 'NULL' });
    expect(s.cpe[0]).toBe(`cpe:/a:mariadb:mariadb:${version}`);
  });

  it('names vsftpd with the packaged version', async () => {
    const s = serviceOf(await scan(running.get('ftp')!.port));
    const version = debVersion('vsftpd');
    expect(s).toMatchObject({ name: 'ftp', product: 'vsftpd', version, cpe: [`cpe:/a:beasts:vsftpd:${version}`], probe: 'NULL' });
  });

  it('names the rsync daemon with the protocol version rsync --version reports', async () => {
    const s = serviceOf(await scan(running.get('rsync')!.port));
    const proto = grab(/protocol version (\d+)/, cmd('/usr/bin/rsync', '--version'));
    expect(s).toMatchObject({ name: 'rsync', product: 'rsync', extrainfo: `protocol version ${proto}.0`, method: 'probe_matching' });
  });

  it('recognises telnet by its IAC negotiation, a soft match without product', async () => {
    const r = await scan(running.get('telnet')!.port);
    const s = serviceOf(r);
    expect(s).toMatchObject({ name: 'telnet', method: 'probe_extraction', probe: 'NULL', confidence: 0.6 });
    expect(s.product).toBeUndefined();
    expect(s.extrainfo).toMatch(/^negotiates (WILL|DO) 37/);
  });

  it('names Exim with the version exim4 --version prints and the greeting hostname', async () => {
    const r = await scan(running.get('smtp')!.port);
    const s = serviceOf(r);
    const version = grab(/Exim version (\S+)/, cmd('/usr/sbin/exim4', '--version'));
    expect(s).toMatchObject({ name: 'smtp', product: 'Exim smtpd', version, hostname: 'wasmap.test', cpe: [`cpe:/a:exim:exim:${version}`] });
    // the SDK's Service has no hostname: it stays in data.service (BinaryEdge's shape)
    expect(r.service).not.toHaveProperty('hostname');
  });
});

/** A loopback server: `greet` is written on connect; `answer` after the first bytes; `end` closes after writing. */
async function replay(opts: { greet?: Buffer | string; answer?: (req: Buffer) => Buffer | string | null; end?: boolean }): Promise<number> {
  const srv = createServer((s: Socket) => {
    s.on('error', () => {});
    if (opts.greet !== undefined) {
      if (opts.end) s.end(opts.greet);
      else s.write(opts.greet);
    }
    if (opts.answer) {
      s.once('data', (d: Buffer) => {
        const out = opts.answer!(d);
        if (out !== null) s.end(out);
      });
    }
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

/** The real bytes a daemon sends first (or in answer to `send`), read until it pauses. */
function transcript(port: number, send = ''): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1');
    let timer = setTimeout(() => s.destroy(), 3000);
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      clearTimeout(timer);
      timer = setTimeout(() => s.destroy(), 300);
    });
    s.on('error', () => {});
    s.on('close', () => resolve(Buffer.concat(chunks)));
    if (send) s.write(send);
  });
}

describe('against literal greetings of software not installed here', () => {
  const httpReply = (server: string) => () => `HTTP/1.1 200 OK\r\nServer: ${server}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok`;

  it('names Apache httpd with its version and Debian hint', async () => {
    const s = serviceOf(await scan(await replay({ answer: httpReply('Apache/2.4.57 (Debian)') }), { probe_rarity: 'light' }));
    expect(s).toMatchObject({ name: 'http', product: 'Apache httpd', version: '2.4.57', extrainfo: 'Debian', ostype: 'Linux' });
    expect(s.cpe).toEqual(['cpe:/a:apache:http_server:2.4.57', 'cpe:/o:linux:linux_kernel']);
  });

  it('names lighttpd, and takes an unknown Server header apart as probe_extraction', async () => {
    const l = serviceOf(await scan(await replay({ answer: httpReply('lighttpd/1.4.69') }), { probe_rarity: 'light' }));
    expect(l).toMatchObject({ product: 'lighttpd', version: '1.4.69', cpe: ['cpe:/a:lighttpd:lighttpd:1.4.69'] });
    const g = serviceOf(await scan(await replay({ answer: httpReply('Caddy/2.7.6') }), { probe_rarity: 'light' }));
    expect(g).toMatchObject({ name: 'http', product: 'Caddy', version: '2.7.6', method: 'probe_extraction' });
  });

  it('names Postfix with the hostname of its greeting', async () => {
    const s = serviceOf(await scan(await replay({ greet: '220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n' })));
    expect(s).toMatchObject({ name: 'smtp', product: 'Postfix smtpd', hostname: 'mail.example.org', ostype: 'Linux', extrainfo: 'Debian/GNU' });
    expect(s.cpe[0]).toBe('cpe:/a:postfix:postfix');
  });

  it('names Sendmail with the binary version', async () => {
    const s = serviceOf(await scan(await replay({ greet: '220 mx.example.org ESMTP Sendmail 8.17.1.9/8.17.1.9; Mon, 1 Jan 2024 00:00:00 GMT\r\n' })));
    expect(s).toMatchObject({ name: 'smtp', product: 'Sendmail', version: '8.17.1.9', cpe: ['cpe:/a:sendmail:sendmail:8.17.1.9'] });
  });

  it('names Dropbear with its version', async () => {
    const s = serviceOf(await scan(await replay({ greet: 'SSH-2.0-dropbear_2022.83\r\n' })));
    expect(s).toMatchObject({ name: 'ssh', product: 'Dropbear sshd', version: '2022.83', cpe: ['cpe:/a:matt_johnston:dropbear_ssh_server:2022.83'], extrainfo: 'protocol 2.0' });
  });

  it('keeps an unknown SSH server as a soft match with its software field', async () => {
    const s = serviceOf(await scan(await replay({ greet: 'SSH-2.0-Go\r\n' })));
    expect(s).toMatchObject({ name: 'ssh', method: 'probe_extraction', extrainfo: 'protocol 2.0; software Go', confidence: 0.6 });
    expect(s.product).toBeUndefined();
  });

  it('names ProFTPD and Pure-FTPd', async () => {
    const p = serviceOf(await scan(await replay({ greet: '220 ProFTPD 1.3.8 Server (Debian) [::ffff:127.0.0.1]\r\n' })));
    expect(p).toMatchObject({ name: 'ftp', product: 'ProFTPD', version: '1.3.8', cpe: ['cpe:/a:proftpd:proftpd:1.3.8', 'cpe:/o:linux:linux_kernel'] });
    const u = serviceOf(await scan(await replay({ greet: '220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n' })));
    expect(u).toMatchObject({ name: 'ftp', product: 'Pure-FTPd', cpe: ['cpe:/a:pureftpd:pure-ftpd'] });
  });

  it('names Dovecot over POP3 and IMAP', async () => {
    const p = serviceOf(await scan(await replay({ greet: '+OK Dovecot (Debian) ready.\r\n' })));
    expect(p).toMatchObject({ name: 'pop3', product: 'Dovecot pop3d', ostype: 'Linux' });
    const i = serviceOf(await scan(await replay({ greet: '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n' })));
    expect(i).toMatchObject({ name: 'imap', product: 'Dovecot imapd', cpe: ['cpe:/a:dovecot:dovecot', 'cpe:/o:linux:linux_kernel'] });
  });

  it('recognises VNC by its RFB version', async () => {
    const s = serviceOf(await scan(await replay({ greet: 'RFB 003.008\n' })));
    expect(s).toMatchObject({ name: 'vnc', extrainfo: 'protocol 3.8', method: 'probe_extraction' });
  });

  it('parses a MySQL 8 handshake', async () => {
    const body = Buffer.concat([Buffer.from([10]), Buffer.from('8.0.36\0', 'latin1'), Buffer.alloc(40, 0x41)]);
    const head = Buffer.from([body.length & 0xff, body.length >> 8, 0, 0]);
    const s = serviceOf(await scan(await replay({ greet: Buffer.concat([head, body]) })));
    expect(s).toMatchObject({ name: 'mysql', product: 'MySQL', version: '8.0.36', cpe: ['cpe:/a:mysql:mysql:8.0.36'] });
  });

  it('reads a BIND version.bind answer from the DNS-over-TCP probe', async () => {
    const answer = (q: Buffer): Buffer | null => {
      if (q.length < 32) return null;
      const question = q.subarray(14, 32);
      const txt = Buffer.from('9.18.28-1~deb12u2-Debian', 'latin1');
      const rr = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 16, 0, 3, 0, 0, 0, 0, 0, txt.length + 1, txt.length]), txt]);
      const header = Buffer.from([q[2], q[3], 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
      const msg = Buffer.concat([header, question, rr]);
      return Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);
    };
    const s = serviceOf(await scan(await replay({ answer }), { prioritize_probes: ['DNSVersionBindReqTCP'] }));
    expect(s).toMatchObject({ name: 'dns', product: 'ISC BIND', version: '9.18.28', ostype: 'Linux', probe: 'DNSVersionBindReqTCP' });
  });
});

/** A loopback TLS server (the test certificate) writing `greet` inside TLS, or nothing. */
async function tlsReplay(greet?: string): Promise<number> {
  const { cert, key } = ensureCertificate() as { cert: string; key: string };
  const srv = createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (s) => {
    s.on('error', () => {});
    if (greet !== undefined) s.write(greet);
  });
  srv.on('tlsClientError', () => {});
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

describe('inside TLS', () => {
  it('names a service that speaks first inside TLS by its TLS name (smtps)', async () => {
    const s = serviceOf(await scan(await tlsReplay('220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n')));
    expect(s).toMatchObject({ name: 'smtps', product: 'Postfix smtpd', hostname: 'mail.example.org', probe: 'TLSSessionReq' });
    expect(s.extrainfo).toMatch(/^Debian\/GNU; TLSv1\.[23]$/);
  }, 20_000);

  it('says ssl for a TLS server that answers nothing we know inside', async () => {
    const s = serviceOf(await scan(await tlsReplay(), { probe_rarity: 'light' }));
    expect(s).toMatchObject({ name: 'ssl', method: 'probe_extraction', probe: 'TLSSessionReq+GetRequest', confidence: 0.6 });
    expect(s.extrainfo).toMatch(/^TLSv1\.[23]$/);
  }, 20_000);
});

describe('when nothing useful answers', () => {
  it('names a silent listener on a well-known port from the port table, at low confidence', async () => {
    // 28015 (RethinkDB) is in the table and below Linux's ephemeral range, so no other test gets it by chance
    const srv = createServer((s: Socket) => { s.on('error', () => {}); });
    servers.push(srv);
    await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(28015, '127.0.0.1', resolve); });
    const r = await scan(28015, { probe_rarity: 'light' });
    expect(serviceOf(r)).toMatchObject({ name: 'rethinkdb', method: 'table_default', probe: '', confidence: 0.3 });
  }, 30_000);

  it('falls back to the port table guess or "unknown" for a silent listener', async () => {
    const port = await replay({});
    const r = await scan(port, { probe_rarity: 'light' });
    const s = serviceOf(r);
    expect(s).toMatchObject({ name: 'unknown', method: 'table_default', probe: '', banner: '', cpe: [], confidence: 0.1 });
    expect(r.service).toEqual({ name: 'unknown', method: 'table_default', confidence: 0.1 });
    // every light probe was sent: GenericLines and the HTTP GET
    expect(r.sandbox.bytes_sent).toBeGreaterThanOrEqual('\r\n\r\nGET / HTTP/1.0\r\n\r\n'.length);
  }, 20_000);

  it('reports connection-refused for a closed port', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const r = await scan(port);
    expect(r.status).toBe('connection-refused');
    expect(r.service).toBeUndefined();
  });

  it('honours prioritize_probes: the named probe goes first and identifies the service', async () => {
    const s = serviceOf(await scan(running.get('redis')!.port, { prioritize_probes: ['RedisInfo'] }));
    expect(s).toMatchObject({ name: 'redis', probe: 'RedisInfo', method: 'probe_matching' });
  });
});

describe('on every truncated prefix of a real reply', () => {
  it('never traps and never reports a cut version (MariaDB handshake, SSH and Exim greetings)', async () => {
    const cases: { bytes: Buffer; version: string }[] = [
      { bytes: await transcript(running.get('mysql')!.port), version: grab(/^([\d.]+)/, grab(/Ver (\S+)/, cmd('/usr/sbin/mariadbd', '--version'))) },
      { bytes: await transcript(running.get('ssh')!.port), version: debVersion('openssh-server') },
      { bytes: await transcript(running.get('smtp')!.port), version: grab(/Exim version (\S+)/, cmd('/usr/sbin/exim4', '--version')) },
    ];
    for (const c of cases) {
      expect(c.bytes.length).toBeGreaterThan(10);
      for (let cut = 0; cut <= c.bytes.length; cut++) {
        const port = await replay({ greet: c.bytes.subarray(0, cut), end: true });
        const s = serviceOf(await scan(port, { probe_rarity: 'light' }));
        if (s.version !== undefined) expect(s.version, `prefix ${cut}`).toBe(c.version);
        if (cut === c.bytes.length) expect(s.version).toBe(c.version);
      }
    }
  }, 180_000);

  it('never traps and never reports a cut version on a cut Redis INFO or HTTP reply', async () => {
    const redisInfo = await transcript(running.get('redis')!.port, '*1\r\n$4\r\nINFO\r\n');
    const http = await transcript(running.get('http')!.port, 'GET / HTTP/1.0\r\n\r\n');
    const redisVersion = grab(/v=(\S+)/, cmd('/usr/bin/redis-server', '--version'));
    const nginxVersion = grab(/nginx\/(\S+)/, cmd('/usr/sbin/nginx', '-v'));
    for (const [bytes, probe, want, version] of [[redisInfo, 'RedisInfo', 'redis', redisVersion], [http, 'GetRequest', 'http', nginxVersion]] as const) {
      expect(bytes.length).toBeGreaterThan(200);
      // every cut through the first 200 bytes (status/Server and redis_version lines), then a sample, then the whole
      const cuts: number[] = [];
      for (let cut = 0; cut < bytes.length; cut += cut < 200 ? 1 : 97) cuts.push(cut);
      cuts.push(bytes.length);
      for (const cut of cuts) {
        const port = await replay({ greet: bytes.subarray(0, cut), end: true });
        const s = serviceOf(await scan(port, { prioritize_probes: [probe], probe_rarity: 'light' }));
        if (s.version !== undefined) expect([s.name, s.version], `prefix ${cut}`).toEqual([want, version]);
        if (cut === bytes.length) expect([s.name, s.version]).toEqual([want, version]);
      }
    }
  }, 300_000);

  it('answers cleanly to hostile replies: bad lengths, a broken MQTT PUBLISH, a lying DNS answer, random bytes', async () => {
    const mysqlHuge = Buffer.from([0xff, 0xff, 0xff, 0, 10, 0x38, 0x2e, 0x30]); // 16 MiB packet claimed, 4 bytes sent
    const mysqlNoNul = Buffer.concat([Buffer.from([40, 0, 0, 0, 10]), Buffer.alloc(40, 0x39)]);
    const mqttBroken = (): Buffer => Buffer.from([0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x00, 0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    const dnsLying = (q: Buffer): Buffer => Buffer.from([0, 20, q[2], q[3], 0x84, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0, 7, 0x76, 0x65, 0x72, 0x73, 0xff, 0xff, 0xff]);
    const cases: { port: number; config: Record<string, unknown>; want?: Partial<ServiceOut> }[] = [
      { port: await replay({ greet: mysqlHuge, end: true }), config: { probe_rarity: 'light' }, want: { name: 'unknown', method: 'table_default' } },
      { port: await replay({ greet: mysqlNoNul, end: true }), config: { probe_rarity: 'light' }, want: { name: 'unknown', method: 'table_default' } },
      { port: await replay({ answer: mqttBroken }), config: { prioritize_probes: ['MQTTConnect'], probe_rarity: 'light', timeout_ms: 3000 }, want: { name: 'mqtt', method: 'probe_extraction', extrainfo: 'connection accepted' } },
      { port: await replay({ answer: dnsLying }), config: { prioritize_probes: ['DNSVersionBindReqTCP'], probe_rarity: 'light', timeout_ms: 3000 }, want: { name: 'dns', method: 'probe_extraction' } },
    ];
    // deterministic pseudo-random greetings (xorshift), some starting with real protocol prefixes
    let x = 0x2545f491;
    const rnd = (): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) & 0xff; };
    const prefixes = ['', 'SSH-', '220 ', 'HTTP/1.1 200 ', '+OK ', '* OK ', '@RSYNCD: ', 'RFB ', 'VERSION ', '\xff\xfb'];
    for (let i = 0; i < 40; i++) {
      const body = Buffer.from(Array.from({ length: 1 + (rnd() % 200) }, rnd));
      const greet = Buffer.concat([Buffer.from(prefixes[i % prefixes.length], 'latin1'), body]);
      cases.push({ port: await replay({ greet, end: true }), config: { probe_rarity: 'light' } });
    }
    for (const c of cases) {
      const s = serviceOf(await scan(c.port, c.config));
      expect(typeof s.name).toBe('string');
      expect(s.confidence).toBeGreaterThan(0);
      if (c.want) expect(s).toMatchObject(c.want);
      if (c.want) expect(s.version).toBeUndefined();
    }
  }, 120_000);
});
