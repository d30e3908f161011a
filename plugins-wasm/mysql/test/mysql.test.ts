// The mysql scanner plugin: built from source, run in the real plugin runtime
// against the real MariaDB of test/support/services.mjs and against loopback
// servers replaying cut, hostile or error greetings.
//   npx vitest run plugins-wasm/mysql
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { closedPort } from '../../../test/support/listeners.js';
import { loopbackServer as server, usePlugin } from '../../../test/support/plugin-harness.js';


interface Running { name: string; host: string; port: number; extra: { version: string; socket: string; user: string } }
interface MysqlData {
  protocol_version?: number; server_version?: string; connection_id?: number; capability_flags?: string[]; ssl?: boolean;
  mariadb_capability_flags?: string[]; character_set?: number; character_set_name?: string; status_flags?: string[];
  auth_plugin_name?: string; error?: { code: number; sql_state?: string; message: string };
}

let db: Running;

const under = usePlugin('mysql', { services: ['mysql'], privateServices: true, config: { timeout_ms: 2000 } });
beforeAll(() => {
  db = under.service<Running>('mysql');
});

const scan = (port: number): Promise<InvocationResult> =>
  under.scan(port);

/** One query through the mariadb client over the server's Unix socket, as its root user. */
const sql = (query: string): string =>
  spawnSync('mariadb', ['-S', db.extra.socket, '-u', db.extra.user, '-N', '-e', query], { encoding: 'utf8' }).stdout.trim();

/** The server's first packet, header included, as Node reads it. */
function greeting(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const s = connect(port, '127.0.0.1');
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readUIntLE(0, 3)) { s.destroy(); resolve(buf.subarray(0, 4 + buf.readUIntLE(0, 3))); }
    });
    s.on('error', reject);
  });
}

/** A packet with sequence id 0 around `payload`. */
const packet = (payload: Buffer): Buffer => Buffer.concat([Buffer.from([payload.length & 255, (payload.length >> 8) & 255, payload.length >> 16, 0]), payload]);

describe('the mysql plugin on the real MariaDB', () => {
  it('decodes the handshake: the version mariadbd --version prints, the server collation, a fresh connection id', async () => {
    // "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu …"
    const m = /Ver (\d+\.\d+\.\d+)-MariaDB-(\S+)/.exec(spawnSync('/usr/sbin/mariadbd', ['--version'], { encoding: 'utf8' }).stdout)!;
    const before = Number(sql('SELECT CONNECTION_ID()'));
    const r = await scan(db.port);
    expect(r.status).toBe('success');
    expect(r.service).toEqual({
      name: 'mysql', product: 'MariaDB', version: m[1], extrainfo: m[2], confidence: 1,
      cpe: [`cpe:/a:mariadb:mariadb:${m[1]}`, 'cpe:/o:debian:debian_linux'],
    });
    const d = r.data as MysqlData;
    expect(d.protocol_version).toBe(10);
    expect(d.server_version).toBe(`5.5.5-${sql('SELECT @@version')}`);
    expect(d.server_version).toBe(db.extra.version);
    expect(d.connection_id).toBeGreaterThan(before);
    expect(d.character_set).toBe(Number(sql('SELECT ID FROM information_schema.COLLATIONS WHERE COLLATION_NAME = @@collation_server')));
    expect(d.character_set_name).toBe(sql('SELECT @@collation_server'));
    expect(d.status_flags).toEqual(['SERVER_STATUS_AUTOCOMMIT']);
    expect(d.auth_plugin_name).toBe('mysql_native_password');
    // MariaDB clears bit 0 (CLIENT_MYSQL) and sends its own capabilities in the reserved bytes
    expect(d.capability_flags).toEqual(expect.arrayContaining(['CLIENT_PROTOCOL_41', 'CLIENT_SECURE_CONNECTION', 'CLIENT_PLUGIN_AUTH', 'CLIENT_TRANSACTIONS']));
    expect(d.capability_flags).not.toContain('CLIENT_LONG_PASSWORD');
    expect(d.mariadb_capability_flags).toContain('MARIADB_CLIENT_PROGRESS');
    // the test server has no certificate configured
    expect(d.ssl).toBe(false);
    expect(sql("SHOW VARIABLES LIKE 'have_ssl'")).toMatch(/DISABLED|NO/);
    expect(r.summary).toBe(`MariaDB ${m[1]}, auth plugin ${d.auth_plugin_name}, no SSL`);
  });

  it('yields a clean partial result for every truncated prefix of the real greeting', async () => {
    const real = await greeting(db.port);
    const full = (await scan(db.port)).data as MysqlData;
    const versionEnd = 4 + 1 + full.server_version!.length + 1;
    let cut = 0;
    const { srv, port } = await server((s) => s.end(real.subarray(0, cut)));
    try {
      for (cut = 0; cut < real.length; cut++) {
        const r = await scan(port);
        expect(r.status, `prefix ${cut}`).toBe('protocol-error');
        const d = (r.data ?? {}) as MysqlData;
        if (cut >= versionEnd) {
          expect(d.server_version, `prefix ${cut}`).toBe(full.server_version);
          expect(r.service, `prefix ${cut}`).toMatchObject({ product: 'MariaDB' });
        } else {
          expect(d.server_version, `prefix ${cut}`).toBeUndefined();
        }
        if (d.capability_flags) expect(full.capability_flags, `prefix ${cut}`).toEqual(expect.arrayContaining(d.capability_flags));
      }
      cut = real.length;
      const whole = await scan(port);
      expect(whole.status).toBe('success');
      expect({ ...(whole.data as MysqlData), connection_id: 0 }).toEqual({ ...full, connection_id: 0 });
    } finally {
      srv.close();
    }
  });
});

describe('the mysql plugin on other first packets', () => {
  it('reports an error packet such as "host not allowed" as the server answer', async () => {
    const msg = "Host '127.0.0.1' is not allowed to connect to this MariaDB server";
    const { srv, port } = await server((s) => s.end(packet(Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), Buffer.from(msg)]))));
    try {
      const r = await scan(port);
      expect(r.status).toBe('success');
      expect(r.data).toEqual({ error: { code: 1130, message: msg } });
      expect(r.service).toEqual({ name: 'mysql', product: 'MariaDB', confidence: 0.9 });
      expect(r.summary).toBe(`refused: error 1130 ${msg}`);
    } finally {
      srv.close();
    }
  });

  it('reads the SQL state of a 4.1-style error packet', async () => {
    const { srv, port } = await server((s) => s.end(packet(Buffer.from('\xff\x10\x04#08004Too many connections', 'latin1'))));
    try {
      expect((await scan(port)).data).toEqual({ error: { code: 1040, sql_state: '08004', message: 'Too many connections' } });
    } finally {
      srv.close();
    }
  });

  it('refuses a length field past its cap without waiting for the bytes', async () => {
    const { srv, port } = await server((s) => s.write(Buffer.from([0xff, 0xff, 0xff, 0x00, 0x0a])));
    try {
      const r = await scan(port);
      expect(r).toMatchObject({ status: 'protocol-error', error: 'not a MySQL greeting (length 16777215, sequence 0)' });
    } finally {
      srv.close();
    }
  });

  it('says protocol-error for an HTTP server and for an unknown protocol version', async () => {
    const http = await server((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const v9 = await server((s) => s.end(packet(Buffer.from('\x095.0.0\x00', 'latin1'))));
    try {
      expect((await scan(http.port)).status).toBe('protocol-error');
      const r = await scan(v9.port);
      expect(r).toMatchObject({ status: 'protocol-error', error: 'protocol version 9 is not 10', data: { protocol_version: 9 } });
      expect(r.service).toBeUndefined();
    } finally {
      http.srv.close();
      v9.srv.close();
    }
  });

  it('says connection-refused for a closed port', async () => {
    expect(await scan(await closedPort())).toMatchObject({ status: 'connection-refused', error: 'ECONNREFUSED' });
  });
});
