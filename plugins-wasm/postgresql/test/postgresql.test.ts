// The postgresql scanner plugin: built from source, run in the real plugin
// runtime against the real PostgreSQL of test/support/services.mjs (SSL on,
// scram-sha-256 for TCP) — with three extra pg_hba.conf rules this test adds
// to its private copy (trust, password, reject for one user each) — and
// against loopback servers replaying cut or odd answers.
//   npx vitest run plugins-wasm/postgresql
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { usePlugin } from '../../../test/support/plugin-harness.js';

const HBA_MARK = '# wasmap postgresql plugin test';
const HBA_RULES = [
  HBA_MARK,
  'host all wasmap_trust 127.0.0.1/32 trust',
  'host all wasmap_clear 127.0.0.1/32 password',
  'host all wasmap_reject 127.0.0.1/32 reject',
];

interface Running { name: string; host: string; port: number; extra: { user: string; password: string; socketDir: string; ssl: boolean } }
interface PgData {
  ssl_supported?: boolean; tls?: { version: string; cipher: string }; auth_required?: boolean; auth_method?: string;
  sasl_mechanisms?: string[]; error?: Record<string, string>; parameters?: Record<string, string>;
}

let pg: Running;

/** One query through psql over the server's Unix socket (trust for local connections). */
const psql = (query: string): string =>
  spawnSync('psql', ['-h', pg.extra.socketDir, '-p', String(pg.port), '-U', pg.extra.user, '-d', 'postgres', '-tAc', query], { encoding: 'utf8' }).stdout.trim();

const under = usePlugin('postgresql', { services: ['postgres'], privateServices: true, config: { timeout_ms: 2000 } });
beforeAll(async () => {
  pg = under.service<Running>('postgres');
  // the rules go first (pg_hba.conf is first match); idempotent across runs of the same data dir
  const hba = psql('SHOW hba_file');
  const text = readFileSync(hba, 'utf8');
  if (!text.includes(HBA_MARK)) writeFileSync(hba, `${HBA_RULES.join('\n')}\n${text}`);
  for (const role of ['wasmap_trust', 'wasmap_clear', 'wasmap_reject']) {
    if (psql(`SELECT 1 FROM pg_roles WHERE rolname = '${role}'`) !== '1') psql(`CREATE ROLE ${role} LOGIN`);
  }
  expect(psql('SELECT pg_reload_conf()')).toBe('t');
  expect(psql("SELECT auth_method FROM pg_hba_file_rules WHERE 'wasmap_trust' = ANY(user_name)")).toBe('trust');
});

const scan = under.scan;

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
function startup(user: string): Buffer {
  const body = Buffer.from(`user\0${user}\0database\0postgres\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

/** Node's own SSLRequest + TLS handshake against the server: the reference TLS parameters. */
async function referenceTls(port: number): Promise<{ version: string; cipher: string }> {
  const s = connect(port, '127.0.0.1');
  s.write(SSL_REQUEST);
  const answer = await new Promise<Buffer>((r) => s.once('data', r));
  expect(answer.toString()).toBe('S');
  const t = tlsConnect({ socket: s, rejectUnauthorized: false });
  await new Promise<void>((r, j) => { t.once('secureConnect', () => r()); t.once('error', j); });
  const out = { version: t.getProtocol()!, cipher: t.getCipher().standardName };
  t.destroy();
  return out;
}

/** The server's whole answer to a StartupMessage for `user`, until ReadyForQuery or close. */
function startupAnswer(port: number, user: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const s = connect(port, '127.0.0.1', () => s.write(startup(user)));
    const done = (): void => { s.destroy(); resolve(buf); };
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      // ReadyForQuery 'Z' (length 5) ends the startup
      if (buf.length >= 6 && buf[buf.length - 6] === 0x5a && buf.readInt32BE(buf.length - 5) === 5) done();
    });
    s.on('end', done);
    s.on('error', reject);
  });
}

/** A fake server: `ssl` answers SSLRequest, `answer(n)` is what the n-th StartupMessage gets before the close. */
async function fake(ssl: Buffer, answer: () => Buffer): Promise<{ srv: Server; port: number }> {
  const srv = createServer((s: Socket) => {
    s.on('error', () => {});
    s.once('data', (d: Buffer) => {
      if (d.length === 8 && d.subarray(4).equals(SSL_REQUEST.subarray(4))) s.end(ssl);
      else s.end(answer());
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, port: (srv.address() as { port: number }).port };
}

describe('the postgresql plugin on the real PostgreSQL', () => {
  it('finds SSL with the TLS parameters Node negotiates and the scram-sha-256 pg_hba.conf asks for', async () => {
    const tls = await referenceTls(pg.port);
    const r = await scan(pg.port);
    expect(r.status).toBe('success');
    expect(r.data).toEqual({ ssl_supported: pg.extra.ssl, tls, auth_required: true, auth_method: 'scram-sha-256', sasl_mechanisms: ['SCRAM-SHA-256'] });
    expect(pg.extra.ssl).toBe(true);
    expect(psql("SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND 'all' = ANY(user_name)")).toBe('scram-sha-256');
    expect(r.service).toEqual({ name: 'postgresql', product: 'PostgreSQL', cpe: ['cpe:/a:postgresql:postgresql'], confidence: 1 });
    expect(r.summary).toBe(`SSL supported (${tls.version}); password required (scram-sha-256)`);
  });

  it('reports a trust rule as no authentication, with the server_version the server itself states', async () => {
    const r = await scan(pg.port, { user: 'wasmap_trust' });
    expect(r.status).toBe('success');
    const d = r.data as PgData;
    expect(d).toMatchObject({ ssl_supported: true, auth_required: false, auth_method: 'trust' });
    const serverVersion = psql('SHOW server_version'); // "15.18 (Debian 15.18-0+deb12u1)"
    expect(d.parameters).toMatchObject({ server_version: serverVersion, session_authorization: 'wasmap_trust', server_encoding: 'UTF8' });
    const version = serverVersion.split(' ')[0];
    expect(r.service).toEqual({
      name: 'postgresql', product: 'PostgreSQL', version, extrainfo: serverVersion.slice(version!.length + 1).replace(/[()]/g, ''),
      cpe: [`cpe:/a:postgresql:postgresql:${version}`], confidence: 1,
    });
    expect(r.summary).toBe(`SSL supported (${d.tls!.version}); no password needed for user wasmap_trust; PostgreSQL ${serverVersion}`);
  });

  it('reports a password rule as cleartext authentication', async () => {
    const r = await scan(pg.port, { user: 'wasmap_clear' });
    expect(r.data).toMatchObject({ auth_required: true, auth_method: 'password' });
    expect(r.summary).toMatch(/^SSL supported \(TLSv1\.[23]\); password required \(password\)$/);
  });

  it('reports the fields of the ErrorResponse a reject rule produces', async () => {
    const r = await scan(pg.port, { user: 'wasmap_reject' });
    expect(r.status).toBe('success');
    const d = r.data as PgData;
    expect(d.auth_required).toBeUndefined();
    expect(d.error).toMatchObject({ severity: 'FATAL', severity_nonlocalized: 'FATAL', code: '28000' });
    expect(d.error!.message).toMatch(/^pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "wasmap_reject", database "postgres", (SSL off|no encryption)$/);
    expect(r.summary).toBe(`SSL supported (${d.tls!.version}); refused: ${d.error!.message}`);
  });
});

describe('the postgresql plugin on cut and odd answers', () => {
  it('yields a clean partial result for every truncated prefix of a real trust startup', async () => {
    const real = await startupAnswer(pg.port, 'wasmap_trust');
    expect(real[0]).toBe(0x52); // AuthenticationOk first
    const full = (await scan(pg.port, { user: 'wasmap_trust' })).data as PgData;
    let cut = 0;
    const { srv, port } = await fake(Buffer.from('N'), () => real.subarray(0, cut));
    try {
      for (cut = 0; cut < real.length; cut++) {
        const r = await scan(port);
        expect(r.status, `prefix ${cut}`).toBe('protocol-error');
        const d = r.data as PgData;
        expect(d.ssl_supported, `prefix ${cut}`).toBe(false);
        if (cut < 9) expect(d.auth_required, `prefix ${cut}`).toBeUndefined();
        else expect(d.auth_required, `prefix ${cut}`).toBe(false);
        for (const [k, v] of Object.entries(d.parameters ?? {})) expect(full.parameters![k], `prefix ${cut}`).toBe(v);
      }
      cut = real.length;
      const whole = await scan(port);
      expect(whole.status).toBe('success');
      expect((whole.data as PgData).parameters).toEqual(full.parameters);
    } finally {
      srv.close();
    }
  });

  it('reads an md5 request with its salt on a server without SSL', async () => {
    const md5 = Buffer.from([0x52, 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4]);
    const { srv, port } = await fake(Buffer.from('N'), () => md5);
    try {
      const r = await scan(port);
      expect(r.status).toBe('success');
      expect(r.data).toEqual({ ssl_supported: false, auth_required: true, auth_method: 'md5' });
      expect(r.summary).toBe('no SSL; password required (md5)');
    } finally {
      srv.close();
    }
  });

  it('refuses a message length past its cap and an unknown answer to SSLRequest', async () => {
    const huge = await fake(Buffer.from('N'), () => Buffer.from([0x52, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    const odd = await fake(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), () => Buffer.alloc(0));
    try {
      expect(await scan(huge.port)).toMatchObject({ status: 'protocol-error', error: 'malformed backend message', data: { ssl_supported: false } });
      const r = await scan(odd.port);
      expect(r).toMatchObject({ status: 'protocol-error', error: 'SSLRequest answered with byte 72' });
      expect(r.service).toBeUndefined();
    } finally {
      huge.srv.close();
      odd.srv.close();
    }
  });

  it('says connection-refused for a closed port', async () => {
    const { srv, port } = await fake(Buffer.from('N'), () => Buffer.alloc(0));
    await new Promise<void>((r) => srv.close(() => r()));
    expect(await scan(port)).toMatchObject({ status: 'connection-refused', error: 'ECONNREFUSED' });
  });
});
