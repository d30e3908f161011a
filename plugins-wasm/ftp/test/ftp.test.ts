// The ftp scanner plugin: built from source, run in the real plugin runtime
// against the real vsftpd of test/support/services.mjs (anonymous, passive
// only) and against loopback servers that misbehave on purpose.
//   npx vitest run plugins-wasm/ftp
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/listeners.js';
import { loopbackServer as server, usePlugin } from '../../../test/support/plugin-harness.js';


interface Running { name: string; host: string; port: number; extra: { banner: string; files: string[] } }

let ftp: Running;

const under = usePlugin('ftp', { services: ['ftp'], privateServices: true });
beforeAll(() => {
  ftp = under.service<Running>('ftp');
});

const scan = under.scan;

/** Answers each command line with the reply `replies` gives for it. */
const scripted = (greeting: string, replies: (cmd: string) => string) => (s: Socket): void => {
  s.write(greeting);
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const cmd = buf.slice(0, i);
      buf = buf.slice(i + 2);
      s.write(replies(cmd));
    }
  });
};

/** The real control-channel bytes of vsftpd for greeting, USER, PASS, SYST, FEAT and QUIT. */
function transcript(port: number): Promise<Buffer> {
  const cmds = ['USER anonymous', 'PASS wasmap@example.invalid', 'SYST', 'FEAT', 'QUIT'];
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1');
    let pending = '';
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      pending += d.toString('latin1');
      // one command per complete final reply line ("ddd ")
      if (/(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(pending)) {
        pending = '';
        const c = cmds.shift();
        if (c) s.write(`${c}\r\n`);
      }
    });
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

describe('the ftp plugin on the real vsftpd', () => {
  it('logs in anonymously, lists the root and names vsftpd at the version dpkg reports', async () => {
    const version = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'vsftpd'], { encoding: 'utf8' }).stdout.split('-')[0];
    const r = await scan(ftp.port);
    expect(r.status).toBe('success');
    expect(r.service).toEqual({ name: 'ftp', product: 'vsftpd', version, cpe: [`cpe:/a:beasts:vsftpd:${version}`], confidence: 1 });
    const data = r.data as { banner: string; anonymous: boolean; syst: string; features: string[]; listing: string[] };
    expect(data.banner).toBe(ftp.extra.banner);
    expect(data.anonymous).toBe(true);
    expect(data.syst).toBe('UNIX Type: L8');
    expect(data.features).toEqual(expect.arrayContaining(['PASV', 'EPSV', 'SIZE', 'MDTM']));
    // LIST lines end in the name; the served tree's top level is README.txt and docs/
    const names = data.listing.map((l) => l.split(/\s+/).at(-1)).sort();
    const top = [...new Set(ftp.extra.files.map((f) => f.split('/')[0]))].sort();
    expect(names).toEqual(top);
    expect(data.listing.find((l) => l.endsWith(' docs'))).toMatch(/^d/);
    expect(r.summary).toBe(`anonymous login allowed; ${top.length} entries in /`);
  });

  it('keeps only max_listing lines and says it cut the listing', async () => {
    const r = await scan(ftp.port, { max_listing: 1 });
    expect(r.status).toBe('success');
    expect(r.data).toMatchObject({ anonymous: true, listing_truncated: true });
    expect((r.data as { listing: string[] }).listing).toHaveLength(1);
    expect(r.summary).toBe('anonymous login allowed; 1+ entries in /');
  });

  it('stays clean on every truncated prefix of the real dialogue', async () => {
    const bytes = await transcript(ftp.port);
    expect(bytes.toString('latin1')).toMatch(/^220 [\s\S]*211-Features:[\s\S]*221 /);
    const greetingEnd = bytes.indexOf('\r\n') + 2;
    let cut = 0;
    const { srv, port } = await server((s) => s.end(bytes.subarray(0, cut)));
    try {
      for (cut = 0; cut <= bytes.length; cut++) {
        const r = await scan(port, { timeout_ms: 2000 });
        if (cut < greetingEnd) {
          expect(r.status, `prefix ${cut}`).toBe('protocol-error');
          expect(r.service, `prefix ${cut}`).toBeUndefined();
        } else {
          // a whole greeting: always a partial result naming the server, never a trap
          expect(['success', 'protocol-error'], `prefix ${cut}`).toContain(r.status);
          expect(r.service, `prefix ${cut}`).toMatchObject({ product: 'vsftpd' });
          expect((r.data as { banner: string }).banner).toBe(ftp.extra.banner);
        }
      }
    } finally {
      srv.close();
    }
  });
});

describe('the ftp plugin on misbehaving servers', () => {
  it('reads a multi-line greeting and reports a refused anonymous login', async () => {
    const { srv, port } = await server(scripted('220-Welcome\r\n220-second line\r\n220 ProFTPD 1.3.8 Server ready\r\n', (c) =>
      c.startsWith('USER') ? '331 Password required\r\n' : c.startsWith('PASS') ? '530 Login incorrect\r\n' : c === 'SYST' ? '215 UNIX Type: L8\r\n' : c === 'FEAT' ? '211-Features:\r\n MDTM\r\n211 End\r\n' : '221 Bye\r\n'));
    try {
      const r = await scan(port);
      expect(r.status).toBe('success');
      expect(r.data).toEqual({
        banner: '220-Welcome\n220-second line\n220 ProFTPD 1.3.8 Server ready',
        anonymous: false, syst: 'UNIX Type: L8', features: ['MDTM'], listing: [],
      });
      expect(r.service).toMatchObject({ product: 'ProFTPD', version: '1.3.8' });
      expect(r.summary).toBe('anonymous login refused');
    } finally {
      srv.close();
    }
  });

  it('never opens a data connection to a PASV address other than the target', async () => {
    // another loopback address: reachable, but not the target, so it must not be used
    const elsewhere = await server(() => {}, '127.0.0.2');
    const p = elsewhere.port;
    const { srv, port } = await server(scripted('220 ok\r\n', (c) =>
      c.startsWith('USER') ? '230 Logged in\r\n' : c === 'PASV' ? `227 Entering Passive Mode (127,0,0,2,${p >> 8},${p & 255})\r\n` : '500 no\r\n'));
    try {
      const r = await scan(port);
      expect(r.status).toBe('success');
      expect(r.data).toMatchObject({ anonymous: true, listing: [], listing_error: 'PASV address 127.0.0.2 is not the target' });
      expect(r.summary).toBe('anonymous login allowed; listing failed: PASV address 127.0.0.2 is not the target');
      expect(elsewhere.accepted()).toBe(0);
    } finally {
      srv.close();
      elsewhere.srv.close();
    }
  });

  it('lists over EPSV on an IPv6 target', async () => {
    const data = await server((s) => s.end('-rw-r--r--    1 0        0               5 Jan 01 00:00 v6.txt\r\n'), '::1');
    const { srv, port } = await server(scripted('220 ok\r\n', (c) =>
      c.startsWith('USER') ? '230 Logged in\r\n' : c === 'EPSV' ? `229 Entering Extended Passive Mode (|||${data.port}|)\r\n`
        : c === 'LIST' ? '150 Here comes the listing\r\n226 Done\r\n' : c === 'QUIT' ? '221 Bye\r\n' : '500 no\r\n'), '::1');
    try {
      const r = await under.invoke({ target: { ip: '::1', port, transport: 'tcp' } });
      expect(r.status).toBe('success');
      expect(r.data).toMatchObject({ anonymous: true, listing: ['-rw-r--r--    1 0        0               5 Jan 01 00:00 v6.txt'] });
      expect(data.accepted()).toBe(1);
    } finally {
      srv.close();
      data.srv.close();
    }
  });

  it('falls back to NLST when the server refuses LIST', async () => {
    const data = await server((s) => s.end('a.txt\r\nb.txt\r\n'));
    const { srv, port } = await server(scripted('220 ok\r\n', (c) =>
      c.startsWith('USER') ? '230 Logged in\r\n' : c === 'PASV' ? `227 Entering Passive Mode (127,0,0,1,${data.port >> 8},${data.port & 255})\r\n`
        : c === 'LIST' ? '502 LIST not implemented\r\n' : c === 'NLST' ? '150 Names\r\n226 Done\r\n' : c === 'QUIT' ? '221 Bye\r\n' : '500 no\r\n'));
    try {
      const r = await scan(port);
      expect(r.status).toBe('success');
      expect(r.data).toMatchObject({ anonymous: true, listing_command: 'NLST', listing: ['a.txt', 'b.txt'] });
      expect(r.data).not.toHaveProperty('listing_error');
    } finally {
      srv.close();
      data.srv.close();
    }
  });

  it('gives up on a reply line longer than its cap with protocol-error', async () => {
    const { srv, port } = await server((s) => s.write(`220 ${'x'.repeat(5000)}\r\n`));
    try {
      const r = await scan(port);
      expect(r.status).toBe('protocol-error');
    } finally {
      srv.close();
    }
  });

  it('says connection-refused for a closed port', async () => {
    expect(await scan(await closedPort())).toMatchObject({ status: 'connection-refused', error: 'ECONNREFUSED' });
  });
});
