// samba: Debian's smbd alone (no nmbd, no winbind), standalone server, on
// 127.0.0.1 only, with every directory it writes under its own run dir. One
// public read-only share that guests may read, so an anonymous share listing
// has something to find. `sambaConfig` is exported so a test can start a
// second smbd with other settings (SMB1 on, signing mandatory).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const SAMBA_NETBIOS_NAME = 'WASMAPSMB';
export const SAMBA_WORKGROUP = 'WASMAPGRP';
export const SAMBA_SHARE = Object.freeze({ name: 'public', comment: 'wasmap public share' });

/**
 * @typedef {object} SambaOptions
 * @property {string} dir where smb.conf and every directory smbd writes go
 * @property {string} host
 * @property {number} port
 * @property {boolean} [smb1] `server min protocol = NT1`
 * @property {boolean} [smb1Only] and `server max protocol = NT1`: no SMB2 at all
 * @property {'default' | 'mandatory' | 'disabled'} [signing] `server signing`
 * @property {boolean} [restrictAnonymous] `restrict anonymous = 2`
 */

/**
 * smb.conf text for an smbd whose state lives under `dir`, listening on `host`:`port`.
 * @param {SambaOptions} o
 */
export function sambaConfig(o) {
  const d = (/** @type {string} */ p) => path.join(o.dir, p);
  return [
    '[global]',
    `  netbios name = ${SAMBA_NETBIOS_NAME}`,
    `  workgroup = ${SAMBA_WORKGROUP}`,
    '  server string = wasmap test smbd',
    '  server role = standalone server',
    `  smb ports = ${o.port}`,
    `  interfaces = ${o.host}`,
    '  bind interfaces only = yes',
    '  disable netbios = yes',
    `  private dir = ${d('private')}`,
    `  lock directory = ${d('lock')}`,
    `  state directory = ${d('state')}`,
    `  cache directory = ${d('cache')}`,
    `  pid directory = ${d('run')}`,
    `  ncalrpc dir = ${d('run/ncalrpc')}`,
    `  binddns dir = ${d('bind-dns')}`,
    `  log file = ${d('log.smbd')}`,
    '  logging = file',
    '  log level = 1',
    `  passdb backend = tdbsam:${d('private/passdb.tdb')}`,
    // guests (and the null session) may list shares and read the public one
    '  map to guest = Bad User',
    // 2: a null session may not open IPC$, so shares cannot be listed anonymously
    `  restrict anonymous = ${o.restrictAnonymous ? 2 : 0}`,
    '  guest account = nobody',
    '  load printers = no',
    '  printing = bsd',
    '  printcap name = /dev/null',
    '  disable spoolss = yes',
    ...(o.smb1 || o.smb1Only ? ['  server min protocol = NT1'] : []),
    ...(o.smb1Only ? ['  server max protocol = NT1'] : []),
    `  server signing = ${o.signing ?? 'default'}`,
    '',
    `[${SAMBA_SHARE.name}]`,
    `  path = ${d('share')}`,
    `  comment = ${SAMBA_SHARE.comment}`,
    '  read only = yes',
    '  guest ok = yes',
    '',
  ].join('\n');
}

/**
 * Writes the config and the directories `sambaConfig` names; returns the smbd argv.
 * @param {SambaOptions} o
 */
export function prepareSamba(o) {
  stopSambaHelpers(o.dir);
  for (const sub of ['private', 'lock', 'state', 'cache', 'run/ncalrpc', 'bind-dns', 'share']) fs.mkdirSync(path.join(o.dir, sub), { recursive: true });
  fs.chmodSync(path.join(o.dir, 'private'), 0o700);
  fs.writeFileSync(path.join(o.dir, 'share', 'README.txt'), 'wasmap test share. Nothing secret here.\n');
  fs.chmodSync(path.join(o.dir, 'share'), 0o755);
  const conf = path.join(o.dir, 'smb.conf');
  fs.writeFileSync(conf, sambaConfig(o));
  return ['-F', '--no-process-group', '--debug-stdout', '-s', conf];
}

/**
 * smbd starts samba-dcerpcd (the RPC servers, srvsvc among them) on the first
 * pipe open, and that helper makes itself a session of its own: stopping
 * smbd's process group leaves it running. This ends the one recorded under
 * `dir` (only if its command line names this config), for a stop and before
 * a new start.
 * @param {string} dir
 */
export function stopSambaHelpers(dir) {
  const conf = path.join(dir, 'smb.conf');
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(path.join(dir, 'run', 'samba-dcerpcd.pid'), 'utf8').trim());
  } catch {
    return;
  }
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // gone
  }
  if (!cmdline.includes(`--configfile=${conf}`)) return;
  try {
    process.kill(-pid, 'SIGTERM'); // its group: the rpcd_* workers too
  } catch {
    // exited meanwhile
  }
}

/**
 * A multi-protocol SMB1 NEGOTIATE ("NT LM 0.12", "SMB 2.002") in its NetBIOS
 * session frame: an SMB2 server answers with an SMB2 NEGOTIATE response, an
 * SMB1-only one with an SMB1 one.
 */
function negotiateRequest() {
  const dialects = Buffer.from('\x02NT LM 0.12\0\x02SMB 2.002\0', 'latin1');
  const hdr = Buffer.alloc(32 + 3);
  Buffer.from([0xff, 0x53, 0x4d, 0x42, 0x72]).copy(hdr);
  hdr[9] = 0x18;
  hdr.writeUInt16LE(0xc801, 10); // unicode, NT status, extended security, long names
  hdr.writeUInt16LE(dialects.length, 33);
  const msg = Buffer.concat([hdr, dialects]);
  const nb = Buffer.alloc(4);
  nb.writeUInt32BE(msg.length);
  return Buffer.concat([nb, msg]);
}

/**
 * Resolves once smbd answers a NEGOTIATE with a NEGOTIATE response (SMB2, or SMB1 from an SMB1-only server).
 * @param {{host: string, port: number}} ctx @returns {Promise<Record<string, unknown>>}
 */
export function sambaProbe(ctx) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const got = [];
    const sock = net.connect({ host: ctx.host, port: ctx.port });
    const timer = setTimeout(() => finish(new Error(`no NEGOTIATE response from ${ctx.host}:${ctx.port}`)), 2000);
    /** @param {Error} [err] */
    function finish(err) {
      clearTimeout(timer);
      sock.destroy();
      if (err) { reject(err); return; }
      const b = Buffer.concat(got);
      const smb2 = b.readUInt32LE(4) === 0x424d53fe && b.readUInt16LE(4 + 12) === 0;
      const smb1 = b.readUInt32LE(4) === 0x424d53ff && b[4 + 4] === 0x72;
      if (!smb2 && !smb1) reject(new Error(`not an SMB NEGOTIATE response: ${b.subarray(0, 20).toString('hex')}`));
      else resolve({ netbiosName: SAMBA_NETBIOS_NAME, workgroup: SAMBA_WORKGROUP, share: { ...SAMBA_SHARE } });
    }
    sock.once('connect', () => sock.write(negotiateRequest()));
    sock.on('data', (d) => {
      got.push(d);
      const b = Buffer.concat(got);
      if (b.length >= 4 + 32 && b.length >= 4 + b.readUInt32BE(0)) finish();
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new Error('connection closed before a NEGOTIATE response')));
  });
}

/**
 * A test's own smbd with other settings, in a process group of its own
 * (smbd signals its whole group when it exits, which must not be the
 * caller's), ready once it answers NEGOTIATE. `stop` ends it and its RPC helper.
 * @param {SambaOptions} o @returns {Promise<{pid: number, stop: () => void}>}
 */
export async function spawnSamba(o) {
  const proc = spawn('/usr/sbin/smbd', prepareSamba(o), { stdio: 'ignore', detached: true });
  const pid = /** @type {number} */ (proc.pid);
  const stop = () => {
    if (proc.exitCode === null && proc.signalCode === null) process.kill(-pid, 'SIGTERM');
    stopSambaHelpers(o.dir);
  };
  for (let i = 0; ; i++) {
    try {
      await sambaProbe(o);
      return { pid, stop };
    } catch (e) {
      if (i >= 200 || proc.exitCode !== null) { stop(); throw new Error(`smbd on ${o.host}:${o.port} did not answer: ${/** @type {Error} */ (e).message}`); }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The service definition services.mjs registers as `samba`. @type {import('../services.mjs').ServiceDef} */
export const samba = {
  packages: ['samba'],
  async prepare(ctx) {
    // smbd stays root, as it does in production: it changes to the connecting user per session
    return { cmd: '/usr/sbin/smbd', args: prepareSamba({ dir: ctx.dir, host: ctx.host, port: ctx.port }) };
  },
  probe: sambaProbe,
  logFiles: (ctx) => [path.join(ctx.dir, 'log.smbd')],
  // samba-dcerpcd is a session of its own: the stop of smbd's tree misses it
  afterStop: stopSambaHelpers,
};
