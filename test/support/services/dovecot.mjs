// dovecot: one daemon for imap (the service's port), pop3, imaps and pop3s.
// The extra ports follow the main one's portOffset and are listed in
// extra.ports, so callers scanning "every port" find them. No mailbox can log
// in: the only passdb is an empty file.
import os from 'node:os';
import path from 'node:path';
import { exchange, installCertificate, writeFile } from '../services.mjs';

/** Fixed ports besides imap (before portOffset). */
const EXTRA_PORTS = Object.freeze({ pop3: 27110, imaps: 27993, pop3s: 27995 });

/** @param {import('../services.mjs').ServiceContext} ctx */
const ports = (ctx) => Object.fromEntries(Object.entries(EXTRA_PORTS).map(([k, p]) => [k, p + ctx.portOffset]));

/** @type {import('../services.mjs').ServiceDef} */
export const dovecot = {
  packages: ['dovecot-imapd', 'dovecot-pop3d', 'openssl'],
  async prepare(ctx) {
    const { cert, key } = installCertificate(ctx.dir);
    const p = ports(ctx);
    // as non-root every internal user is the caller
    const me = ctx.root ? [] : [`default_login_user = ${os.userInfo().username}`, `default_internal_user = ${os.userInfo().username}`];
    writeFile(path.join(ctx.dir, 'users'), '');
    const conf = path.join(ctx.dir, 'dovecot.conf');
    writeFile(conf, [
      `base_dir = ${path.join(ctx.dir, 'run')}`,
      `state_dir = ${path.join(ctx.dir, 'state')}`,
      'log_path = /dev/stderr',
      'protocols = imap pop3',
      `listen = ${ctx.host}`,
      'ssl = yes',
      `ssl_cert = <${cert}`,
      `ssl_key = <${key}`,
      'auth_mechanisms = plain login',
      ...me,
      `passdb {\n  driver = passwd-file\n  args = ${path.join(ctx.dir, 'users')}\n}`,
      `userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=${path.join(ctx.dir, 'home')}\n}`,
      `service imap-login {\n  inet_listener imap {\n    port = ${ctx.port}\n  }\n  inet_listener imaps {\n    port = ${p.imaps}\n    ssl = yes\n  }\n}`,
      `service pop3-login {\n  inet_listener pop3 {\n    port = ${p.pop3}\n  }\n  inet_listener pop3s {\n    port = ${p.pop3s}\n    ssl = yes\n  }\n}`,
      '',
    ].join('\n'));
    return { cmd: '/usr/sbin/dovecot', args: ['-F', '-c', conf] };
  },
  async probe(ctx) {
    const p = ports(ctx);
    /** @param {number} port @param {boolean} useTls @param {string} want */
    const greeting = async (port, useTls, want) => {
      const line = (await exchange({ ...ctx, port }, { tls: useTls, done: (b) => b.includes('\n') })).toString('latin1').trim();
      if (!line.startsWith(want)) throw new Error(`port ${port}: expected ${want}, got ${JSON.stringify(line.slice(0, 60))}`);
      return line;
    };
    const banner = await greeting(ctx.port, false, '* OK');
    await greeting(p.imaps, true, '* OK');
    await greeting(p.pop3, false, '+OK');
    await greeting(p.pop3s, true, '+OK');
    return { banner, ports: p };
  },
};
