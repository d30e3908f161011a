// The smtp scanner plugin: built from source, run in the real plugin runtime
// against the real exim4 of test/support/services.mjs (STARTTLS on) and
// against loopback servers that misbehave on purpose.
//   npx vitest run plugins-wasm/smtp
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module with JSDoc types
import { ensureCertificate } from '../../../test/support/services.mjs';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { closedPort } from '../../../test/support/listeners.js';
import { loopbackServer as server, usePlugin } from '../../../test/support/plugin-harness.js';


interface Running { name: string; host: string; port: number }
interface SmtpData {
  banner: string; ehlo: string[]; extensions: Record<string, string>; starttls: boolean;
  implicit_tls?: boolean; tls?: { version: string; cipher: string }; extensions_tls?: Record<string, string>;
}

let smtp: Running;

const under = usePlugin('smtp', { services: ['smtp'], privateServices: true, config: { timeout_ms: 2000 } });
beforeAll(() => {
  smtp = under.service<Running>('smtp');
});

const scan = (port: number, target: Record<string, unknown> = {}): Promise<InvocationResult> =>
  under.scan(port, {}, target);

/** Reads until `done` holds for what came so far. */
function until(s: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (d: Buffer): void => {
      text += d.toString('latin1');
      if (done(text)) { s.off('data', on); resolve(text); }
    };
    s.on('data', on);
    s.once('error', reject);
  });
}
const finalLine = (t: string): boolean => /(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(t);

/** What Node's own STARTTLS client gets from the same server: the raw greeting+EHLO bytes and the TLS parameters. */
async function reference(port: number): Promise<{ plain: Buffer; version: string; cipher: string }> {
  const s = connect(port, '127.0.0.1');
  const greeting = await until(s, finalLine);
  s.write('EHLO wasmap.invalid\r\n');
  const ehlo = await until(s, finalLine);
  s.write('STARTTLS\r\n');
  await until(s, finalLine);
  const t = tlsConnect({ socket: s, rejectUnauthorized: false });
  await new Promise<void>((r, j) => { t.once('secureConnect', () => r()); t.once('error', j); });
  const out = { plain: Buffer.from(greeting + ehlo, 'latin1'), version: t.getProtocol()!, cipher: t.getCipher().standardName };
  t.destroy();
  return out;
}

describe('the smtp plugin on the real exim4', () => {
  it('reads the EHLO extensions, upgrades with STARTTLS and names Exim at exim4 --version', async () => {
    const version = /Exim version (\S+)/.exec(spawnSync('/usr/sbin/exim4', ['--version'], { encoding: 'utf8' }).stdout)![1];
    const ref = await reference(smtp.port);
    const r = await scan(smtp.port);
    expect(r.status).toBe('success');
    expect(r.service).toEqual({ name: 'smtp', product: 'Exim smtpd', version, cpe: [`cpe:/a:exim:exim:${version}`], confidence: 1 });
    const d = r.data as SmtpData;
    expect(d.banner).toMatch(new RegExp(`^220 wasmap\\.test ESMTP Exim ${version.replaceAll('.', '\\.')} `));
    // the EHLO reply exim gave Node, line for line
    expect(d.ehlo).toEqual(ref.plain.toString('latin1').split('\r\n').slice(1, -1));
    expect(d.ehlo[0]).toBe('250-wasmap.test Hello wasmap.invalid [127.0.0.1]');
    expect(d.extensions).toMatchObject({ STARTTLS: '', PIPELINING: '', SIZE: '52428800' });
    expect(d.starttls).toBe(true);
    expect(d.tls).toEqual({ version: ref.version, cipher: ref.cipher });
    // inside TLS exim stops offering STARTTLS and keeps the rest
    const { STARTTLS: _gone, ...rest } = d.extensions;
    expect(d.extensions_tls).toEqual(rest);
    const auth = d.extensions_tls?.AUTH ?? d.extensions.AUTH;
    const n = Object.keys(d.extensions).length;
    expect(r.summary).toBe(`ESMTP, STARTTLS (${ref.version}), ${n} extensions, ${auth === undefined ? '' : `AUTH ${auth}, `}max size ${d.extensions.SIZE}`);
  });

  it('stays clean on every truncated prefix of the real greeting and EHLO reply', async () => {
    const { plain } = await reference(smtp.port);
    const greetingEnd = plain.indexOf('\r\n') + 2;
    let cut = 0;
    const { srv, port } = await server((s) => s.end(plain.subarray(0, cut)));
    try {
      for (cut = 0; cut <= plain.length; cut++) {
        const r = await scan(port);
        // the server closes before answering everything: never a success, never a trap
        expect(r.status, `prefix ${cut}`).toBe('protocol-error');
        if (cut >= greetingEnd) expect(r.service, `prefix ${cut}`).toMatchObject({ product: 'Exim smtpd' });
        else expect(r.service, `prefix ${cut}`).toBeUndefined();
      }
    } finally {
      srv.close();
    }
  });
});

describe('the smtp plugin on other servers', () => {
  it('refuses an EHLO block with a line that lacks the reply code (RFC 5321 §4.2), keeping the greeting', async () => {
    const { srv, port } = await server((s) => {
      s.write('220 mx.test ESMTP\r\n');
      s.on('data', (d) => s.write(d.toString().startsWith('EHLO') ? '250-mx.test\r\n AUTH PLAIN\r\n250 SIZE 1\r\n' : '221 Bye\r\n'));
    });
    try {
      const r = await scan(port);
      expect(r.status).toBe('protocol-error');
      expect((r.data as { banner: string }).banner).toBe('220 mx.test ESMTP');
    } finally {
      srv.close();
    }
  });

  it('reports the extensions of a server without STARTTLS and does not upgrade', async () => {
    const { srv, port } = await server((s) => {
      s.write('220 mx.test ESMTP Postfix (Debian/GNU)\r\n');
      s.on('data', (d) => s.write(d.toString().startsWith('EHLO') ? '250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10240000\r\n' : '221 Bye\r\n'));
    });
    try {
      const r = await scan(port);
      expect(r.status).toBe('success');
      expect(r.data).toEqual({
        banner: '220 mx.test ESMTP Postfix (Debian/GNU)', ehlo: ['250-mx.test', '250-AUTH PLAIN LOGIN', '250 SIZE 10240000'],
        extensions: { AUTH: 'PLAIN LOGIN', SIZE: '10240000' }, starttls: false,
      });
      expect(r.service).toMatchObject({ product: 'Postfix smtpd' });
      expect(r.summary).toBe('ESMTP, no STARTTLS, 2 extensions, AUTH PLAIN LOGIN, max size 10240000');
    } finally {
      srv.close();
    }
  });

  it('speaks TLS from the first byte on a tls target (port 465 style)', async () => {
    const { cert, key } = ensureCertificate() as { cert: string; key: string };
    const srv = createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (s) => {
      s.on('error', () => {});
      s.write('220 smtps.test ESMTP Exim 4.96\r\n');
      s.on('data', (d) => s.write(d.toString().startsWith('EHLO') ? '250-smtps.test\r\n250 AUTH PLAIN\r\n' : '221 Bye\r\n'));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const r = await scan((srv.address() as { port: number }).port, { tls: true });
      expect(r.status).toBe('success');
      expect(r.data).toMatchObject({ implicit_tls: true, starttls: false, extensions: { AUTH: 'PLAIN' }, tls: { version: 'TLSv1.3' } });
      expect(r.summary).toBe('ESMTP, implicit TLS (TLSv1.3), 1 extension, AUTH PLAIN');
    } finally {
      srv.close();
    }
  });

  it('reports a failed TLS handshake after STARTTLS with what it read before', async () => {
    const { srv, port } = await server((s) => {
      s.write('220 fake ESMTP\r\n');
      s.on('data', (d) => {
        const c = d.toString();
        if (c.startsWith('EHLO')) s.write('250-fake\r\n250 STARTTLS\r\n');
        else if (c.startsWith('STARTTLS')) s.write('220 go ahead\r\nthis is not TLS at all\r\n');
      });
    });
    try {
      const r = await scan(port);
      expect(r.status).not.toBe('success');
      expect(r.status).not.toBe('application-error');
      expect(r.error).toMatch(/^TLS handshake: /);
      expect(r.data).toMatchObject({ banner: '220 fake ESMTP', starttls: true, extensions: { STARTTLS: '' } });
    } finally {
      srv.close();
    }
  });

  it('says connection-refused for a closed port', async () => {
    expect(await scan(await closedPort())).toMatchObject({ status: 'connection-refused', error: 'ECONNREFUSED' });
  });
});
