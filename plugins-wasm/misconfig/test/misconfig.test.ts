import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../../../test/support/services.mjs';
import { tempDir } from '../../../test/sandbox/helpers/fixtures.js';
import { closedPort as freePort } from '../../../test/support/listeners.js';
import { bundledPluginFile, usePlugin } from '../../../test/support/plugin-harness.js';
import { gnutlsServUnavailable, startGnutlsServ, type GnutlsServ } from '../../ssl/test/gnutls-serv.js';

const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const repo = join(here, '..', '..');
const SERVICES = ['redis', 'memcached', 'mqtt', 'ftp', 'telnet', 'smtp', 'postgres', 'mysql', 'https'];
/** The first-party plugins whose results misconfig reads; service-simple names the services on the test's 27xxx ports. */
const SCANNERS = ['service-simple', 'redis', 'memcached', 'mqtt', 'ftp', 'telnet', 'smtp', 'postgresql', 'mysql', 'https'];

interface Running { name: string; host: string; port: number; extra?: Record<string, unknown> }
interface Finding { id: string; title: string; severity: string; evidence?: string; cve?: string[]; port?: number; transport?: string }
interface ScanEvent { origin: { type: string; ip?: string; port?: number }; result: { status?: string; summary?: string; data?: Record<string, unknown>; findings?: Finding[] } }
/** gnutls-serv servers (ssl/test/gnutls-serv.ts) run only as root: a network namespace each; CI must have them. */
const GNUTLS = gnutlsServUnavailable() === undefined || Boolean(process.env.CI);
/** Where a finding about a tcp port is listed (A8). */
const tcp = (port: number): { port: number; transport: string } => ({ port, transport: 'tcp' });
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];
/** The evaluator's summary line for these findings. */
const summaryOf = (fs: Finding[]): string => fs.length === 0 ? 'no findings'
  : `${fs.length} finding${fs.length === 1 ? '' : 's'}: ${SEVERITY_ORDER.map((s) => [s, fs.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')}`;

function grab(port: number, probe: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => sock.write(probe));
    const done = (): void => {
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, 500);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length) done();
      else reject(e);
    });
  });
}

/** A second redis-server of our own, with a password (services.mjs runs an open one). */
async function startAuthRedis(): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', 'wasmap-secret',
    '--save', '', '--appendonly', 'no', '--dir', tempDir('misconfig-redis-auth'), '--protected-mode', 'yes'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const b = await grab(port, 'PING\r\n').catch(() => '');
    if (b.startsWith('-NOAUTH')) return { port, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('password-protected redis did not start');
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the misconfig evaluator, on a real scan of real daemons through the CLI', () => {
  const ports = new Map<string, number>();
  const extra = new Map<string, Record<string, unknown>>();
  let authRedis: { port: number; proc: ChildProcess } | undefined;
  const gnutls: GnutlsServ[] = [];
  let events: ScanEvent[] = [];
  let findings: Finding[] = [];
  let stderr = '';

  beforeAll(async () => {
    // the builds `npm run build` left in dist/plugins (compiled again only where their sources changed since)
    const files: string[] = [];
    for (const name of [...SCANNERS, 'ssl', 'misconfig']) files.push(await bundledPluginFile(name));
    for (const s of (await startServices(SERVICES)) as Running[]) {
      ports.set(s.name, s.port);
      extra.set(s.name, s.extra ?? {});
    }
    authRedis = await startAuthRedis();
    ports.set('redis-auth', authRedis.port);
    if (GNUTLS) {
      // GnuTLS with RC4, 3DES, TLS 1.0 and heartbeats; and one without RFC 5746 secure renegotiation
      const cert = extra.get('https')!.certFile as string;
      const key = cert.replace(/cert\.pem$/, 'key.pem');
      gnutls.push(await startGnutlsServ(tempDir('misconfig-gnutls'), cert, key, 'NORMAL:+ARCFOUR-128:+3DES-CBC:+RSA:+VERS-TLS1.0', ['--heartbeat']));
      gnutls.push(await startGnutlsServ(tempDir('misconfig-gnutls'), cert, key, 'NORMAL:%DISABLE_SAFE_RENEGOTIATION'));
      ports.set('gnutls-weak', gnutls[0]!.port);
      ports.set('gnutls-insecure', gnutls[1]!.port);
    }
    // --profile ports: only the plugins named here run (the default profile would run every bundled plugin)
    const r = await runCli(['scan', '127.0.0.1', '-p', [...ports.values()].join(','), '--profile', 'ports', ...files.flatMap((f) => ['--plugin', f]), '-f', 'jsonl', '-q']);
    stderr = r.stderr;
    events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as ScanEvent);
    findings = events.filter((e) => e.origin.type === 'misconfig').flatMap((e) => e.result.findings ?? []);
  }, 240_000); // nine daemons, two gnutls-serv and a whole scan: minutes on a loaded machine
  afterAll(async () => {
    if (authRedis?.proc.pid) authRedis.proc.kill('SIGTERM');
    for (const g of gnutls) await g.stop();
    await stopServices(SERVICES);
  });

  const dataOf = (plugin: string, port: number): Record<string, unknown> => {
    const e = events.find((x) => x.origin.type === plugin && x.origin.port === port);
    expect(e, `${plugin} on ${port}; stderr: ${stderr}`).toBeDefined();
    return e!.result.data ?? {};
  };
  const one = (id: string): Finding => {
    const hits = findings.filter((f) => f.id === id);
    expect(hits, `${id} in ${JSON.stringify(findings)}`).toHaveLength(1);
    return hits[0]!;
  };

  it('runs once for the host and reports through one evaluator event', () => {
    const ev = events.filter((e) => e.origin.type === 'misconfig');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.result.status).toBe('success');
    expect(ev[0]!.result.data).toMatchObject({ ip: '127.0.0.1', findings: findings.length, skipped: 0 });
    expect(ev[0]!.result.summary).toBe(summaryOf(findings));
    expect(ev[0]!.result.summary).toMatch(/^\d+ findings: \d+ high, \d+ medium/);
  });

  it('lists each finding under the port of the service it is about, where that plugin ran', () => {
    expect(findings.length).toBeGreaterThan(8);
    for (const f of findings) {
      const [, plugin, port] = /^plugin (\S+), port (\d+)\/tcp: /.exec(f.evidence ?? '') ?? [];
      expect(f.port, f.id).toBe(Number(port));
      expect(f.transport, f.id).toBe('tcp');
      expect(events.some((e) => e.origin.type === plugin && e.origin.port === f.port), `${plugin} on ${port}`).toBe(true);
    }
    // and the port is the daemon's: the open redis, not the password-protected one
    expect(one('redis-no-auth').port).toBe(ports.get('redis'));
    expect(one('telnet-exposed').port).toBe(ports.get('telnet'));
  });

  it('reports the open Redis from its INFO reply, and not the password-protected one', () => {
    const p = ports.get('redis')!;
    const version = dataOf('redis', p).redis_version as string;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(one('redis-no-auth')).toEqual({ id: 'redis-no-auth', title: 'Redis reachable without authentication', severity: 'high', ...tcp(p),
      evidence: `plugin redis, port ${p}/tcp: redis_version=${version}, auth_required=false` });
    // the redis plugin did run on the protected one and saw the refusal
    expect(dataOf('redis', authRedis!.port)).toMatchObject({ auth_required: true });
    expect(findings.filter((f) => f.evidence?.includes(`port ${authRedis!.port}/`))).toEqual([]);
  });

  it('reports memcached answering stats', () => {
    const p = ports.get('memcached')!;
    expect(one('memcached-no-auth')).toMatchObject({ severity: 'high',
      evidence: `plugin memcached, port ${p}/tcp: version=${extra.get('memcached')!.version as string}, auth_required=false` });
  });

  it('reports the anonymous MQTT broker and the retained topics it let anyone read', () => {
    const p = ports.get('mqtt')!;
    expect(one('mqtt-no-auth')).toMatchObject({ severity: 'high', evidence: `plugin mqtt, port ${p}/tcp: connected=true, connack.return_code=0` });
    const numTopics = dataOf('mqtt', p).num_topics as number;
    expect(numTopics).toBeGreaterThan(0);
    const retained = Object.keys(extra.get('mqtt')!.retained as Record<string, string>);
    const f = one('mqtt-topics-readable');
    expect(f.severity).toBe('medium');
    expect(f.evidence).toMatch(new RegExp(`^plugin mqtt, port ${p}/tcp: num_topics=${numTopics}, topics\\[\\]\\.topic=(.+)$`));
    expect(retained).toContain(/topic=(.+)$/.exec(f.evidence!)![1]);
  });

  it('reports anonymous FTP and the root listing it gave', () => {
    const p = ports.get('ftp')!;
    expect(one('ftp-anonymous')).toMatchObject({ severity: 'medium', evidence: `plugin ftp, port ${p}/tcp: anonymous=true` });
    const listing = dataOf('ftp', p).listing as string[];
    expect(listing.length).toBeGreaterThan(0);
    expect(one('ftp-anonymous-listing').evidence).toBe(`plugin ftp, port ${p}/tcp: listing=${listing.length} entries, listing[0]=${listing[0]}`);
  });

  it('reports telnet from the options inetd telnetd negotiated', () => {
    const p = ports.get('telnet')!;
    const will = (dataOf('telnet', p).will as { name: string }[]).map((o) => o.name);
    expect(will.length).toBeGreaterThan(0);
    expect(one('telnet-exposed')).toMatchObject({ severity: 'high', evidence: `plugin telnet, port ${p}/tcp: will=[${will.slice(0, 6).join(',')}]` });
  });

  it('reports the MariaDB the mysql plugin reached, as info', () => {
    const p = ports.get('mysql')!;
    const version = dataOf('mysql', p).server_version as string;
    expect(version).toContain(extra.get('mysql')!.version as string);
    expect(one('mysql-exposed')).toEqual({ id: 'mysql-exposed', title: 'MariaDB server reachable from the network', severity: 'info', ...tcp(p),
      evidence: `plugin mysql, port ${p}/tcp: server_version=${version}` });
  });

  it('stays quiet where the daemons are configured well: exim offers STARTTLS, postgres asks for scram-sha-256, nginx speaks TLS 1.3', () => {
    expect(extra.get('smtp')!.starttls).toBe(true);
    expect(dataOf('smtp', ports.get('smtp')!)).toMatchObject({ starttls: true });
    expect(dataOf('postgresql', ports.get('postgres')!)).toMatchObject({ auth_method: 'scram-sha-256' });
    expect(dataOf('https', ports.get('https')!)).toMatchObject({ tls: { version: 'TLSv1.3' } });
    // everything but the ssl plugin's judgement (next test) is exactly this
    const ids = findings.filter((f) => !f.evidence?.startsWith('plugin ssl,')).map((f) => f.id).sort();
    expect(ids).toEqual(['ftp-anonymous', 'ftp-anonymous-listing', 'memcached-no-auth', 'mqtt-no-auth', 'mqtt-topics-readable', 'mysql-exposed', 'redis-no-auth', 'telnet-exposed']);
  });

  type SslData = {
    ciphers?: Record<string, { accepted?: boolean }>;
    weak_ciphers?: ({ openssl_name?: string } | string)[];
    cert_info?: { is_self_signed?: boolean };
    vulnerabilities?: Record<string, Record<string, unknown> & { accepted_cipher_list?: string[] }>;
  };

  /** The findings the ssl plugin's result on `port` must give, built from that result's own fields. */
  const expectedFromSsl = (port: number): Finding[] => {
    const at = `plugin ssl, port ${port}/tcp: `;
    const f = (id: string, title: string, severity: string, proof: string, cve?: string[]): Finding =>
      ({ id, title, severity, evidence: at + proof, ...tcp(port), ...(cve ? { cve } : {}) });
    const ssl = dataOf('ssl', port) as SslData;
    const v = ssl.vulnerabilities ?? {};
    const list = (names: string[] = []): string => `accepted_cipher_list=[${names.slice(0, 5).join(',')}${names.length > 5 ? ',…' : ''}] (${names.length})`;
    const out: Finding[] = [];
    if (ssl.cert_info?.is_self_signed) out.push(f('tls-cert-self-signed', 'TLS certificate is self-signed', 'medium', 'cert_info.is_self_signed=true'));
    const weak = ssl.weak_ciphers ?? [];
    if (weak.length > 0) {
      const names = weak.slice(0, 5).map((c) => (typeof c === 'string' ? c : c.openssl_name)).join(',') + (weak.length > 5 ? ',…' : '');
      out.push(f('tls-weak-ciphers', 'Weak TLS ciphers accepted', 'medium', `weak_ciphers=[${names}] (${weak.length})`));
    }
    const legacy = ['tlsv1', 'tlsv1_1'].filter((k) => ssl.ciphers?.[k]?.accepted === true);
    if (legacy.length > 0) out.push(f('tls-legacy-version', 'TLS below 1.2 accepted', 'medium', legacy.map((k) => `ciphers.${k}.accepted=true`).join(', ')));
    if (ssl.ciphers?.sslv3?.accepted === true) out.push(f('sslv3-accepted', 'SSLv3 accepted', 'high', 'ciphers.sslv3.accepted=true', ['CVE-2014-3566']));
    if (v.rc4?.supports_rc4 === true) out.push(f('tls-rc4-accepted', 'RC4 cipher suites accepted', 'medium', `vulnerabilities.rc4.supports_rc4=true, ${list(v.rc4.accepted_cipher_list)}`, ['CVE-2013-2566', 'CVE-2015-2808']));
    if (v.sweet32?.supports_64bit_block_ciphers === true) out.push(f('tls-sweet32', '64-bit block ciphers (3DES) accepted (SWEET32)', 'low', `vulnerabilities.sweet32.supports_64bit_block_ciphers=true, ${list(v.sweet32.accepted_cipher_list)}`, ['CVE-2016-2183']));
    if (v.renegotiation?.supports_secure_renegotiation === false) out.push(f('tls-insecure-renegotiation', 'TLS secure renegotiation (RFC 5746) not supported', 'medium', 'vulnerabilities.renegotiation.supports_secure_renegotiation=false', ['CVE-2009-3555']));
    if (v.fallback?.supports_fallback_scsv === false) out.push(f('tls-no-fallback-scsv', 'TLS fallback SCSV not supported (downgrade protection)', 'low', 'vulnerabilities.fallback.supports_fallback_scsv=false'));
    if (v.heartbeat?.supports_heartbeat_extension === true) out.push(f('tls-heartbeat-extension', 'TLS heartbeat extension enabled', 'info', 'vulnerabilities.heartbeat.supports_heartbeat_extension=true'));
    return out;
  };
  const byId = (a: Finding, b: Finding): number => a.id.localeCompare(b.id);
  const fromSslOn = (port: number): Finding[] => findings.filter((f) => f.evidence?.startsWith(`plugin ssl, port ${port}/`)).sort(byId);

  it('reports what the ssl plugin saw on nginx: the self-signed certificate, and weak or legacy ciphers exactly when it listed them', () => {
    const p = ports.get('https')!;
    expect((dataOf('ssl', p) as SslData).cert_info?.is_self_signed).toBe(true);
    expect((dataOf('ssl', p) as SslData).vulnerabilities?.renegotiation?.supports_secure_renegotiation).toBe(true);
    expect(fromSslOn(p)).toEqual(expectedFromSsl(p).sort(byId));
    expect(fromSslOn(p).map((f) => f.id)).not.toContain('tls-insecure-renegotiation');
  });

  it.skipIf(!GNUTLS)('reports RC4, SWEET32, legacy TLS and the heartbeat extension on the real gnutls-serv that accepts them', () => {
    const p = ports.get('gnutls-weak')!;
    const ids = fromSslOn(p).map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['tls-rc4-accepted', 'tls-sweet32', 'tls-legacy-version', 'tls-heartbeat-extension', 'tls-weak-ciphers', 'tls-cert-self-signed']));
    expect(fromSslOn(p)).toEqual(expectedFromSsl(p).sort(byId));
    expect(findings.find((f) => f.id === 'tls-rc4-accepted')!.evidence).toMatch(/RC4-SHA/);
  });

  it.skipIf(!GNUTLS)('reports no secure renegotiation on the real gnutls-serv with %DISABLE_SAFE_RENEGOTIATION, and only there', () => {
    const p = ports.get('gnutls-insecure')!;
    expect(fromSslOn(p).map((f) => f.id)).toContain('tls-insecure-renegotiation');
    expect(fromSslOn(p)).toEqual(expectedFromSsl(p).sort(byId));
    expect(findings.filter((f) => f.id === 'tls-insecure-renegotiation').map((f) => f.port)).toEqual([p]);
  });
});

/** One plugin_results item, as the engine builds it. */
const result = (plugin: string, port: number, data: Record<string, unknown> | undefined, status = 'success'): Record<string, unknown> =>
  ({ plugin, ip: '127.0.0.1', port, transport: 'tcp', status, ...(data ? { data } : {}) });

/** Whole seconds: the plugin prints dates to the second. */
const DAY = 86_400_000;
const inDays = (days: number): Date => new Date(Math.floor((Date.now() + days * DAY + 3_600_000) / 1000) * 1000);
const isoSec = (d: Date): string => d.toISOString().replace('.000', '');
const asn1 = (d: Date, digits: 2 | 4): string => isoSec(d).replace(/[-:T]/g, '').slice(4 - digits);
const opensslText = (d: Date): string => {
  const m = d.toUTCString().split(' '); // "Mon, 03 Dec 2027 20:00:00 GMT"
  return `${m[2]} ${String(d.getUTCDate()).padStart(2, ' ')} ${m[4]} ${m[3]} GMT`;
};

describe('the misconfig evaluator, on hand-built contexts for what the test daemons do not exhibit', () => {
  const misconfig = usePlugin('misconfig');

  const evaluate = async (results: Record<string, unknown>[], config: Record<string, unknown> = {}): Promise<{ findings: Finding[]; data: unknown }> => {
    const r = await misconfig.invoke({ config, context: { asset: { ip: '127.0.0.1' }, open_ports: [], banners: [], service_fingerprints: [], plugin_results: results } });
    expect(r.status, r.error).toBe('success');
    return { findings: (r.findings as Finding[] | undefined) ?? [], data: r.data };
  };

  it('reports legacy TLS, SSLv3, weak ciphers, an expired and a self-signed certificate from an ssl result', async () => {
    const { findings } = await evaluate([result('ssl', 8443, {
      ciphers: {
        sslv3: { accepted: true }, tlsv1: { accepted: true },
        tlsv1_1: { accepted_cipher_list: [{ openssl_name: 'AES128-SHA' }] }, tlsv1_2: { accepted: true }, tlsv1_3: { accepted: false },
      },
      weak_ciphers: ['RC4-SHA', { openssl_name: 'DES-CBC3-SHA' }],
      cert_info: { is_self_signed: true, is_expired: true, certificate_chain: [{ as_dict: { validity: { not_before: '2019-01-01T00:00:00Z', not_after: '2020-01-01T00:00:00Z' } } }] },
      server_info: { highest_ssl_version_supported: 'TLSV1_2' },
    })]);
    const at = 'plugin ssl, port 8443/tcp: ';
    expect(findings).toEqual([
      { id: 'tls-legacy-version', title: 'TLS below 1.2 accepted', severity: 'medium', evidence: `${at}ciphers.tlsv1.accepted=true, ciphers.tlsv1_1.accepted_cipher_list=1 ciphers` },
      { id: 'sslv3-accepted', title: 'SSLv3 accepted', severity: 'high', evidence: `${at}ciphers.sslv3.accepted=true`, cve: ['CVE-2014-3566'] },
      { id: 'tls-weak-ciphers', title: 'Weak TLS ciphers accepted', severity: 'medium', evidence: `${at}weak_ciphers=[RC4-SHA,DES-CBC3-SHA] (2)` },
      { id: 'tls-cert-expired', title: 'TLS certificate expired', severity: 'high',
        evidence: `${at}cert_info.is_expired=true, cert_info.certificate_chain[0].as_dict.validity.not_after=2020-01-01T00:00:00Z` },
      { id: 'tls-cert-self-signed', title: 'TLS certificate is self-signed', severity: 'medium', evidence: `${at}cert_info.is_self_signed=true` },
    ].map((f) => ({ ...f, ...tcp(8443) })));
  });

  it('finds a certificate expiring within expiry_warning_days whatever form its not_after takes', async () => {
    const when = inDays(10);
    const forms: [number, unknown][] = [
      [1001, isoSec(when)], [1002, opensslText(when)], [1003, asn1(when, 4)], [1004, asn1(when, 2)], [1005, when.getTime() / 1000], [1006, when.getTime()],
    ];
    const results = forms.map(([port, notAfter]) => result('ssl', port, { cert_info: { is_expired: false, certificate_chain: [{ as_dict: { validity: { not_after: notAfter } } }] } }));
    const { findings } = await evaluate(results);
    expect(findings.map((f) => f.evidence)).toEqual(forms.map(([port, notAfter]) =>
      `plugin ssl, port ${port}/tcp: cert_info.certificate_chain[0].as_dict.validity.not_after=${String(notAfter)} (${isoSec(when)}, 10 days left)`));
    expect(new Set(findings.map((f) => `${f.id} ${f.severity} ${f.title}`))).toEqual(new Set(['tls-cert-expiring low TLS certificate expires within 30 days']));
    // a shorter warning window leaves it out; a longer one names its own length
    expect((await evaluate(results, { expiry_warning_days: 9 })).findings).toEqual([]);
    expect((await evaluate(results.slice(0, 1), { expiry_warning_days: 11 })).findings[0]!.title).toBe('TLS certificate expires within 11 days');
  });

  it('judges a certificate past its not_after expired even when the plugin sent no is_expired flag', async () => {
    const yesterday = inDays(-1);
    const { findings } = await evaluate([result('ssl', 443, { cert_info: { certificate_chain: [{ as_dict: { validity: { not_after: asn1(yesterday, 2) } } }] } })]);
    expect(findings).toEqual([{ id: 'tls-cert-expired', title: 'TLS certificate expired', severity: 'high', ...tcp(443),
      evidence: `plugin ssl, port 443/tcp: cert_info.certificate_chain[0].as_dict.validity.not_after=${asn1(yesterday, 2)}` }]);
  });

  it('reports a legacy TLS version another plugin negotiated, and the ssl plugin\'s highest version', async () => {
    const { findings } = await evaluate([
      result('https', 443, { tls: { version: 'TLSv1.1', cipher: 'ECDHE-RSA-AES128-SHA' } }),
      result('ssl', 444, { server_info: { negotiated_version: 'TLSv1', highest_ssl_version_supported: 'TLSv1' } }),
      result('ssl', 445, { server_info: { highest_ssl_version_supported: 'SSLv3' } }),
      result('smtp', 25, { tls: { version: 'TLSv1.3' }, starttls: true, extensions: { STARTTLS: '' } }),
    ]);
    expect(findings.map((f) => `${f.id}: ${f.evidence!}`)).toEqual([
      'tls-legacy-version: plugin https, port 443/tcp: tls.version=TLSv1.1',
      'tls-legacy-version: plugin ssl, port 444/tcp: server_info.highest_ssl_version_supported=TLSv1',
      'sslv3-accepted: plugin ssl, port 445/tcp: server_info.highest_ssl_version_supported=SSLv3',
    ]);
  });

  it('reports SMTP without STARTTLS and PostgreSQL with trust authentication', async () => {
    const { findings } = await evaluate([
      result('smtp', 25, { banner: '220 mx ESMTP', extensions: { SIZE: '52428800', PIPELINING: '' }, starttls: false }),
      result('postgresql', 5432, { ssl_supported: false, auth_required: false, auth_method: 'trust', parameters: { server_version: '15.18' } }),
    ]);
    expect(findings).toEqual([
      { id: 'smtp-no-starttls', title: 'SMTP server does not offer STARTTLS', severity: 'medium', evidence: 'plugin smtp, port 25/tcp: starttls=false, extensions without STARTTLS', ...tcp(25) },
      { id: 'postgresql-trust-auth', title: 'PostgreSQL accepts logins without a password (trust)', severity: 'critical', evidence: 'plugin postgresql, port 5432/tcp: auth_method=trust', ...tcp(5432) },
    ]);
  });

  it('reports each vulnerability flag only when it is a bool saying so, including compression no local server can show', async () => {
    const at = 'plugin ssl, port 8443/tcp: ';
    const bad = {
      rc4: { supports_rc4: true, accepted_cipher_list: ['ECDHE-RSA-RC4-SHA', 'RC4-SHA', 'RC4-MD5', 'EXP-RC4-MD5', 'ECDHE-ECDSA-RC4-SHA', 'AECDH-RC4-SHA'] },
      sweet32: { supports_64bit_block_ciphers: true, accepted_cipher_list: ['DES-CBC3-SHA'] },
      renegotiation: { supports_secure_renegotiation: false, ssl_version: 'tlsv1_2' },
      compression: { supports_compression: true, compression_name: 'DEFLATE', ssl_version: 'tlsv1_2' },
      fallback: { supports_fallback_scsv: false, ssl_version: 'tlsv1_1' },
      heartbeat: { supports_heartbeat_extension: true, ssl_version: 'tlsv1_2' },
    };
    const r = await misconfig.invoke({ context: { asset: { ip: '127.0.0.1' }, open_ports: [], banners: [], service_fingerprints: [], plugin_results: [
      result('ssl', 8443, { vulnerabilities: bad }),
      // fine, undecided, or ill-typed: nothing
      result('ssl', 1, { vulnerabilities: { rc4: { supports_rc4: false }, sweet32: { supports_64bit_block_ciphers: false }, renegotiation: { supports_secure_renegotiation: true },
        compression: { supports_compression: false }, fallback: { supports_fallback_scsv: true }, heartbeat: { supports_heartbeat_extension: false } } }),
      result('ssl', 2, { vulnerabilities: { rc4: { error: 'suite listing incomplete' }, renegotiation: { error: 'no version below TLS 1.3 accepted' }, fallback: { error: 'only TLSv1.3 accepted: nothing to fall back to' } } }),
      result('ssl', 3, { vulnerabilities: { rc4: { supports_rc4: 'true' }, renegotiation: { supports_secure_renegotiation: 0 }, fallback: { supports_fallback_scsv: null }, compression: 'DEFLATE', heartbeat: [true] } }),
      result('ssl', 4, { vulnerabilities: 'none' }),
    ] } });
    expect(r.status).toBe('success');
    expect(r.findings).toEqual([
      { id: 'tls-rc4-accepted', title: 'RC4 cipher suites accepted', severity: 'medium', cve: ['CVE-2013-2566', 'CVE-2015-2808'],
        evidence: `${at}vulnerabilities.rc4.supports_rc4=true, accepted_cipher_list=[ECDHE-RSA-RC4-SHA,RC4-SHA,RC4-MD5,EXP-RC4-MD5,ECDHE-ECDSA-RC4-SHA,…] (6)` },
      { id: 'tls-sweet32', title: '64-bit block ciphers (3DES) accepted (SWEET32)', severity: 'low', cve: ['CVE-2016-2183'],
        evidence: `${at}vulnerabilities.sweet32.supports_64bit_block_ciphers=true, accepted_cipher_list=[DES-CBC3-SHA] (1)` },
      { id: 'tls-insecure-renegotiation', title: 'TLS secure renegotiation (RFC 5746) not supported', severity: 'medium', cve: ['CVE-2009-3555'],
        evidence: `${at}vulnerabilities.renegotiation.supports_secure_renegotiation=false` },
      { id: 'tls-compression', title: 'TLS compression enabled (CRIME)', severity: 'medium', cve: ['CVE-2012-4929'],
        evidence: `${at}vulnerabilities.compression.supports_compression=true, vulnerabilities.compression.compression_name=DEFLATE` },
      { id: 'tls-no-fallback-scsv', title: 'TLS fallback SCSV not supported (downgrade protection)', severity: 'low', evidence: `${at}vulnerabilities.fallback.supports_fallback_scsv=false` },
      { id: 'tls-heartbeat-extension', title: 'TLS heartbeat extension enabled', severity: 'info', evidence: `${at}vulnerabilities.heartbeat.supports_heartbeat_extension=true` },
    ].map((f) => ({ ...f, ...tcp(8443) })));
    expect(r.summary).toBe('6 findings: 3 medium, 2 low, 1 info');
  });

  it('sums up its findings by severity, worst first, or says there are none', async () => {
    const one = await misconfig.invoke({ context: { asset: { ip: '127.0.0.1' }, plugin_results: [result('postgresql', 5432, { auth_method: 'trust' })] } });
    expect(one.summary).toBe('1 finding: 1 critical');
    const none = await misconfig.invoke({ context: { asset: { ip: '127.0.0.1' }, plugin_results: [result('redis', 6379, { auth_required: true })] } });
    expect(none.summary).toBe('no findings');
  });

  it('reports nothing where the plugins saw authentication or a refusal', async () => {
    const { findings, data } = await evaluate([
      result('redis', 6379, { error: 'NOAUTH Authentication required.', auth_required: true }),
      result('memcached', 11211, { error: 'CLIENT_ERROR unauthenticated', auth_required: true }),
      result('mqtt', 1883, { connected: false, connack: { return_code: 5, return_code_name: 'not authorized' }, auth_required: true, topics: [] }),
      result('ftp', 21, { banner: '220 hi', anonymous: false }),
      result('smtp', 587, { extensions: { STARTTLS: '' }, starttls: true }),
      result('smtp', 465, { extensions: { AUTH: 'PLAIN' }, implicit_tls: true }),
      result('postgresql', 5432, { auth_required: true, auth_method: 'md5' }),
      result('telnet', 23, undefined, 'connection-refused'),
    ]);
    expect(findings).toEqual([]);
    expect(data).toEqual({ ip: '127.0.0.1', results_checked: 7, findings: 0, skipped: 0 });
  });

  it('treats absent and ill-typed fields as no finding, never as a trap', async () => {
    const { findings } = await evaluate([
      result('ssl', 1, {}),
      result('ssl', 2, { ciphers: 'x', weak_ciphers: {}, cert_info: [1, 2], server_info: 7 }),
      result('ssl', 3, { ciphers: { sslv3: 'yes', tlsv1: { accepted: 'true', accepted_cipher_list: 'AES' } }, weak_ciphers: [] }),
      result('ssl', 4, { cert_info: { is_self_signed: 'true', is_expired: 1, certificate_chain: 'abc' } }),
      result('ssl', 5, { cert_info: { certificate_chain: [null, 3] } }),
      ...['garbage', '2020-13-01T00:00:00Z', 'Foo 23 20:00:00 2020 GMT', '2020-01-01T00:00:00+2', '', -5, 1e300].map((na, i) =>
        result('ssl', 10 + i, { cert_info: { certificate_chain: [{ as_dict: { validity: { not_after: na } } }] } })),
      result('redis', 6, { redis_version: 7 }),
      result('mqtt', 7, { connected: true }),
      result('telnet', 8, { banner: '  ', will: 'echo' }),
      { plugin: 'redis', port: 9 },
    ]);
    expect(findings).toEqual([]);
  });

  it('reads every cut-off prefix of each date form without a trap, as a 2020 date or not at all', async () => {
    const forms = ['2020-01-02T03:04:05.678+01:00', 'Jan  2 03:04:05 2020 GMT', '20200102030405Z', '200102030405Z'];
    const results = forms.flatMap((f, i) => [...f].map((_c, n) =>
      result('ssl', 100 * (i + 1) + n, { cert_info: { certificate_chain: [{ as_dict: { validity: { not_after: f.slice(0, n) } } }] } })));
    const { findings } = await evaluate(results);
    for (const f of findings) expect(f.id, f.evidence).toBe('tls-cert-expired');
    // a date-only or minute-precision ISO prefix is a date, OpenSSL's text without its GMT too; a cut field or zone is not
    expect(findings.map((f) => f.evidence!.replace(/^.*not_after=/, ''))).toEqual(['2020-01-02', '2020-01-02T03:04', '2020-01-02T03:04:05', '2020-01-02T03:04:05.',
      '2020-01-02T03:04:05.6', '2020-01-02T03:04:05.67', '2020-01-02T03:04:05.678', 'Jan  2 03:04:05 2020', 'Jan  2 03:04:05 2020 ']);
  });

  it('leaves out the ids its skip list names and counts them', async () => {
    const results = [
      result('mysql', 3306, { server_version: '8.0.36' }),
      result('ssl', 443, { cert_info: { is_self_signed: true } }),
      result('redis', 6379, { redis_version: '7.2.4' }),
    ];
    const all = await evaluate(results);
    expect(all.findings.map((f) => f.id)).toEqual(['mysql-exposed', 'tls-cert-self-signed', 'redis-no-auth']);
    expect(all.findings[0]).toMatchObject({ title: 'MySQL server reachable from the network', evidence: 'plugin mysql, port 3306/tcp: server_version=8.0.36' });
    expect(all.findings[2]!.evidence).toBe('plugin redis, port 6379/tcp: redis_version=7.2.4');
    const some = await evaluate(results, { skip: ['mysql-exposed', 'tls-cert-self-signed'] });
    expect(some.findings.map((f) => f.id)).toEqual(['redis-no-auth']);
    expect(some.data).toMatchObject({ findings: 1, skipped: 2 });
  });
});
