// slapd: Debian's OpenLDAP server in the foreground (-d 0), from a
// slapd.conf under its own run dir, with one mdb database (suffix
// dc=wasmap,dc=test) loaded by slapadd before each start. The default set-up
// lets anyone bind anonymously and read everything, so the ldap plugin has an
// open directory to find; `slapdSetup` is exported so a test can start
// slapds that refuse anonymous binds or anonymous reads. Self-contained (node
// built-ins only): a test may import it before services.mjs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const SLAPD_SUFFIX = 'dc=wasmap,dc=test';
/** The DNs slapadd loads, in the order a subtree search returns them. */
export const SLAPD_DNS = Object.freeze([
  SLAPD_SUFFIX,
  `ou=people,${SLAPD_SUFFIX}`,
  `uid=alice,ou=people,${SLAPD_SUFFIX}`,
  `uid=bob,ou=people,${SLAPD_SUFFIX}`,
  `ou=groups,${SLAPD_SUFFIX}`,
  `cn=staff,ou=groups,${SLAPD_SUFFIX}`,
]);

const LDIF = [
  `dn: ${SLAPD_DNS[0]}`, 'objectClass: dcObject', 'objectClass: organization', 'o: wasmap test directory', 'dc: wasmap', '',
  `dn: ${SLAPD_DNS[1]}`, 'objectClass: organizationalUnit', 'ou: people', '',
  `dn: ${SLAPD_DNS[2]}`, 'objectClass: inetOrgPerson', 'uid: alice', 'cn: Alice Example', 'sn: Example', 'mail: alice@wasmap.test', '',
  `dn: ${SLAPD_DNS[3]}`, 'objectClass: inetOrgPerson', 'uid: bob', 'cn: Bob Example', 'sn: Example', '',
  `dn: ${SLAPD_DNS[4]}`, 'objectClass: organizationalUnit', 'ou: groups', '',
  `dn: ${SLAPD_DNS[5]}`, 'objectClass: groupOfNames', 'cn: staff', `member: ${SLAPD_DNS[2]}`, `member: ${SLAPD_DNS[3]}`, '',
].join('\n');

/**
 * Writes slapd.conf and a fresh database under `dir` (slapadd), and returns
 * the foreground slapd command. By default anyone may bind anonymously and
 * read everything; `anonymousBind: false` adds `disallow bind_anon` and
 * `require authc`; `anonymousRead: false` lets only bound users read the
 * tree (the rootDSE stays readable). `user`: the account slapd drops to
 * (slapd -u/-g, same PID).
 * @param {{dir: string, host: string, port: number, anonymousBind?: boolean, anonymousRead?: boolean, user?: string}} o
 * @returns {{cmd: string, args: string[]}}
 */
export function slapdSetup(o) {
  const db = path.join(o.dir, 'db');
  fs.rmSync(db, { recursive: true, force: true }); // slapadd into an old database would find every entry there already
  fs.mkdirSync(db, { recursive: true });
  const conf = path.join(o.dir, 'slapd.conf');
  fs.writeFileSync(conf, [
    ...['core', 'cosine', 'inetorgperson'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    `pidfile ${path.join(db, 'slapd.pid')}`,
    `argsfile ${path.join(db, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    ...(o.anonymousBind === false ? ['disallow bind_anon', 'require authc'] : []),
    // the rootDSE and the schema stay readable to whoever may search at all
    'access to dn.base="" by * read',
    'access to dn.base="cn=Subschema" by * read',
    o.anonymousRead === false ? 'access to * by users read by * none' : 'access to * by * read',
    'database mdb',
    'maxsize 16777216',
    `suffix "${SLAPD_SUFFIX}"`,
    `rootdn "cn=admin,${SLAPD_SUFFIX}"`,
    `directory ${db}`,
    '',
  ].join('\n'), { mode: 0o644 });
  const ldif = path.join(o.dir, 'data.ldif');
  fs.writeFileSync(ldif, LDIF, { mode: 0o644 });
  const add = spawnSync('/usr/sbin/slapadd', ['-q', '-f', conf, '-l', ldif], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`slapadd failed: ${add.error?.message ?? add.stderr}`);
  if (o.user) {
    const own = spawnSync('chown', ['-R', `${o.user}:`, db], { encoding: 'utf8' });
    if (own.status !== 0) throw new Error(`chown ${o.user} ${db} failed: ${own.stderr}`);
  }
  return {
    cmd: '/usr/sbin/slapd',
    args: ['-d', '0', '-h', `ldap://${o.host}:${o.port}/`, '-f', conf, ...(o.user ? ['-u', o.user, '-g', o.user] : [])],
  };
}

/** An anonymous simple bind (message 1, LDAPv3): 30 0c 02 01 01 60 07 02 01 03 04 00 80 00. */
const BIND = Buffer.from('300c020101600702010304008000', 'hex');

/**
 * Resolves with the BindResponse's resultCode once slapd answers an anonymous bind.
 * @param {string} host @param {number} port @returns {Promise<number>}
 */
export function anonymousBindCode(host, port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port }, () => sock.write(BIND));
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no BindResponse')); }, 2000);
    let got = Buffer.alloc(0);
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      // 30 len 02 01 01 61 len 0a 01 <code>: the short-form replies slapd sends
      const at = got.indexOf(Buffer.from([0x61]));
      if (got[0] !== 0x30 || at < 0 || got.length < at + 5) return;
      clearTimeout(timer);
      sock.destroy();
      if (got[at + 2] !== 0x0a) reject(new Error(`not a BindResponse: ${got.toString('hex')}`));
      else resolve(got[at + 4]);
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => { clearTimeout(timer); reject(new Error('closed before a BindResponse')); });
  });
}

/** @type {import('../services.mjs').ServiceDef} */
export const ldap = {
  packages: ['slapd'],
  async prepare(ctx) {
    return slapdSetup({ dir: ctx.dir, host: ctx.host, port: ctx.port, user: ctx.root ? 'openldap' : undefined });
  },
  async probe(ctx) {
    const code = await anonymousBindCode(ctx.host, ctx.port);
    if (code !== 0) throw new Error(`anonymous bind answered resultCode ${code}`);
    return { suffix: SLAPD_SUFFIX, dns: [...SLAPD_DNS] };
  },
};
