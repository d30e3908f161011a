// Real Debian daemons for wasmap's tests and benchmarks.
//
// Every daemon is a stock apt binary started directly (never via systemd or
// init scripts) with a throwaway config under runDir, listening on 127.0.0.1
// only, on fixed ports in 27000-27999 (the shared testbed owns 17000-17999).
// Plain ESM + JSDoc so vitest tests and plain-node bench/*.mjs scripts can
// both import it without a build step.
//
// Process handling: each daemon is spawned detached (its own session, so its
// PID is also its process group), and its PID plus kernel start time go to
// runDir/pids/<name>.json. Stopping signals only that recorded group and its
// descendants, after checking the start time (a recycled PID is never hit).
//
// Sharing: ports are fixed, so one instance per service per machine. Several
// test files may use the same daemon at once; each caller process leaves a
// lease in runDir/leases/<name>/, and stopServices only stops a daemon when no
// other live process holds a lease (or when forced, as the CLI does).
//
//   import { startServices, stopServices } from '../test/support/services.mjs';
//   const [redis] = await startServices(['redis']);   // { host, port, pid, ... }
//   ...
//   await stopServices(['redis']);                      // stops it unless still leased
//
// As root, daemons drop to their Debian users as they do in production; as
// non-root they all run as the caller.

import { spawn, execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { samba } from './services/samba.mjs';
import { xrdp } from './services/xrdp.mjs';
import { dovecot } from './services/dovecot.mjs';
import { cups } from './services/cups.mjs';
import { nats } from './services/nats.mjs';
import { etcd } from './services/etcd.mjs';
import { prometheus } from './services/prometheus.mjs';
import { influxdb } from './services/influxdb.mjs';
import { vnc } from './services/vnc.mjs';
import { x11 } from './services/x11.mjs';
import { podman } from './services/podman.mjs';
import { ldap } from './services/slapd.mjs';
import { zookeeper } from './services/zookeeper.mjs';
import { kamailio } from './services/kamailio.mjs';

/** @typedef {{name: string, host: string, port: number, pid: number, tls?: boolean, extra?: Record<string, unknown>}} RunningService */

/**
 * @typedef {object} StartOptions
 * @property {string} [runDir] where configs, data, logs and pidfiles go (default <repo>/test/.run)
 * @property {number} [portOffset] added to every SERVICE_PORTS entry, to run an isolated second set (default 0)
 * @property {number} [timeoutMs] how long each daemon may take to answer once launched (default 20000)
 * @property {boolean} [pin] lease that outlives the calling process, so only a forced stop ends the daemon (the CLI uses it)
 */

/**
 * @typedef {object} StopOptions
 * @property {string} [runDir]
 * @property {boolean} [force] stop even if other live processes hold a lease
 * @property {number} [graceMs] time between SIGTERM and SIGKILL (default 5000)
 */

/**
 * What a service definition gets to work with.
 * @typedef {object} ServiceContext
 * @property {string} name
 * @property {string} host
 * @property {number} port
 * @property {number} portOffset
 * @property {string} runDir
 * @property {string} dir private directory runDir/<name>
 * @property {string} logFile stdout/stderr of the daemon
 * @property {boolean} root whether we run as uid 0 (then daemons drop to their own users)
 */

/**
 * @typedef {object} LaunchSpec
 * @property {string} cmd absolute path
 * @property {string[]} args
 * @property {string} [cwd]
 */

/**
 * @typedef {object} ServiceDef
 * @property {string[]} packages Debian packages needed
 * @property {boolean} [tls]
 * @property {NodeJS.Signals} [stopSignal] default SIGTERM
 * @property {(ctx: ServiceContext) => Promise<LaunchSpec>} prepare writes config (idempotently), returns the foreground command
 * @property {(ctx: ServiceContext) => Promise<Record<string, unknown>>} probe resolves once the protocol answers; the value becomes `extra` (`extra.ports`: name -> port of each further port the daemon serves, which bench/detect scans too)
 * @property {(ctx: ServiceContext) => Promise<Record<string, unknown>>} [afterStart] one-shot work once ready (e.g. MQTT publishes)
 * @property {(ctx: ServiceContext) => string[]} [logFiles] extra logs worth showing when start fails
 * @property {(dir: string) => void} [afterStop] ends what the daemon started outside its process tree (given its run dir)
 */

/**
 * @typedef {object} PidRecord
 * @property {string} name
 * @property {number} pid
 * @property {number} startTime kernel start time (clock ticks since boot)
 * @property {string} host
 * @property {number} port
 * @property {boolean} tls
 * @property {Record<string, unknown>} extra
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');

export const SERVICE_HOST = '127.0.0.1';
/** Default run directory; WASMAP_RUN_DIR overrides it (for the library and the CLI alike). */
export const DEFAULT_RUN_DIR = process.env.WASMAP_RUN_DIR
  ? path.resolve(process.env.WASMAP_RUN_DIR)
  : path.join(REPO, 'test', '.run');
/** Self-signed certificate shared by https, postgres and smtp; generated on first use, git-ignored. */
export const CERT_DIR = path.join(HERE, 'certs');

/** Fixed loopback ports, in start-priority order. */
export const SERVICE_PORTS = Object.freeze({
  ssh: 27022,
  http: 27080,
  https: 27443,
  redis: 27379,
  memcached: 27211,
  mqtt: 27883,
  postgres: 27432,
  mysql: 27306,
  ftp: 27021,
  rsync: 27873,
  telnet: 27023,
  smtp: 27025,
  smb: 27445,
  xrdp: 27389,
  imap: 27143,
  ipp: 27631,
  nats: 27422,
  etcd: 27237,
  prometheus: 27090,
  influxdb: 27086,
  vnc: 27590,
  x11: 27101,
  docker: 27375,
  ldap: 27390,
  zookeeper: 27181,
  sip: 27060,
});

/** vsftpd passive data ports (before portOffset); active mode is off. */
const FTP_PASV = [27030, 27039];
const PAGE_TITLE = 'wasmap test page';
const PG_PASSWORD = 'wasmap';
const MQTT_RETAINED = Object.freeze({
  'wasmap/sensor/temperature': '21.5',
  'wasmap/sensor/humidity': '44',
  'wasmap/status': 'online',
});
const PUBLIC_FILES = Object.freeze({
  'README.txt': 'wasmap test file tree. Nothing secret here.\n',
  'docs/hello.txt': 'hello from the wasmap test services\n',
});

// ---------------------------------------------------------------------------
// small helpers
// ---------------------------------------------------------------------------

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {string} file @param {string} text @param {number} [mode] */
export function writeFile(file, text, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode); // writeFileSync's mode only applies on creation
}

/** @param {string} p @param {string} user */
export function chownTo(p, user) {
  if (!isRoot()) return;
  const r = spawnSync('chown', ['-R', `${user}:`, p], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown ${user} ${p} failed: ${r.stderr}`);
}

/**
 * When root, run `cmd` as `user` (setpriv execs in place, so the PID stays the daemon's).
 * @param {string} user @param {string} cmd @param {string[]} args @returns {LaunchSpec}
 */
export function asUser(user, cmd, args) {
  if (!isRoot()) return { cmd, args };
  return { cmd: '/usr/bin/setpriv', args: [`--reuid=${user}`, `--regid=${user}`, '--init-groups', cmd, ...args] };
}

/**
 * Run a one-shot helper (initdb, ssh-keygen, ...) and fail with its output.
 * @param {string} cmd @param {string[]} args @param {{cwd?: string, timeoutMs?: number}} [o]
 * @returns {Promise<string>}
 */
export function run(cmd, args, o = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: o.cwd, timeout: o.timeoutMs ?? 120_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

/** @param {string} dir */
function writePublicTree(dir) {
  for (const [rel, text] of Object.entries(PUBLIC_FILES)) writeFile(path.join(dir, rel), text);
  spawnSync('chmod', ['-R', 'a+rX,go-w', dir]);
}

/** @param {string} file @param {number} lines */
function tail(file, lines) {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------
// /proc bookkeeping
// ---------------------------------------------------------------------------

/** Fields after "pid (comm) "; comm may contain spaces. @param {number} pid */
function procStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** @param {number} pid */
function startTimeOf(pid) {
  const f = procStat(pid);
  return f ? Number(f[19]) : undefined;
}

/** Alive = exists and is not a zombie. @param {number} pid */
function alive(pid) {
  const f = procStat(pid);
  return f !== undefined && f[0] !== 'Z' && f[0] !== 'X';
}

/** @param {number} pid @param {number} startTime */
function isSameProcess(pid, startTime) {
  return alive(pid) && startTimeOf(pid) === startTime;
}

/** All descendant PIDs of `root`. @param {number} root @returns {number[]} */
export function descendants(root) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = procStat(Number(entry));
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  /** @type {number[]} */
  const out = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const p = /** @type {number} */ (stack.pop());
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/**
 * Resident set size of a PID plus its descendants (nginx workers, postgres
 * backends...), in KiB, from /proc/<pid>/status VmRSS.
 * @param {number} pid
 */
export function processTreeRssKib(pid) {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      // exited between listing and reading
    }
  }
  return total;
}

// ---------------------------------------------------------------------------
// run directory layout: pids/, leases/, locks/, logs/, <service>/
// ---------------------------------------------------------------------------

/** @param {string} runDir @param {string} name */
const pidFile = (runDir, name) => path.join(runDir, 'pids', `${name}.json`);

/** @param {string} runDir @param {string} name @returns {PidRecord | undefined} */
function readLiveRecord(runDir, name) {
  try {
    const rec = /** @type {PidRecord} */ (JSON.parse(fs.readFileSync(pidFile(runDir, name), 'utf8')));
    return isSameProcess(rec.pid, rec.startTime) ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** @param {PidRecord} rec @returns {RunningService} */
function toRunning(rec) {
  return { name: rec.name, host: rec.host, port: rec.port, pid: rec.pid, tls: rec.tls, extra: rec.extra };
}

/** Lease id of this process: pid + start time, so a recycled PID does not count. */
function selfLeaseId() {
  return `${process.pid}-${startTimeOf(process.pid)}`;
}

/** @param {string} runDir @param {string} name @param {boolean} pin */
function addLease(runDir, name, pin) {
  const dir = path.join(runDir, 'leases', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, pin ? 'pinned' : selfLeaseId()), '');
}

/** Other live holders of `name` (stale leases of dead processes are removed). @param {string} runDir @param {string} name */
function otherLiveLeases(runDir, name) {
  const dir = path.join(runDir, 'leases', name);
  let entries = /** @type {string[]} */ ([]);
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const self = selfLeaseId();
  return entries.filter((e) => {
    if (e === self) return false;
    if (e === 'pinned') return true;
    const [pid, st] = e.split('-').map(Number);
    if (isSameProcess(pid, st)) return true;
    fs.rmSync(path.join(dir, e), { force: true });
    return false;
  });
}

/**
 * Cross-process mutex per service, so parallel vitest workers never start the
 * same daemon twice.
 * @template T
 * @param {string} runDir @param {string} name @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withLock(runDir, name, fn) {
  const dir = path.join(runDir, 'locks');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.writeFileSync(file, selfLeaseId(), { flag: 'wx' });
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      let holder = '';
      try {
        holder = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // released between our open and read
      }
      const [pid, st] = holder.split('-').map(Number);
      if (holder && !isSameProcess(pid, st)) {
        fs.rmSync(file, { force: true }); // holder died without releasing
        continue;
      }
      if (Date.now() > deadline) throw new Error(`service ${name}: lock ${file} held by process ${holder} for too long`);
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------------------
// certificate
// ---------------------------------------------------------------------------

/**
 * Paths of the self-signed certificate (CN wasmap.test, SAN localhost and
 * 127.0.0.1), generated with `openssl req` on first call. The key is a
 * throwaway and world-readable on purpose (daemons drop to their own users).
 * @returns {{cert: string, key: string}}
 */
export function ensureCertificate() {
  const dir = path.join(CERT_DIR, 'self-signed');
  const out = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  if (fs.existsSync(out.cert) && fs.existsSync(out.key)) return out;
  fs.mkdirSync(CERT_DIR, { recursive: true });
  writeFileIfMissing(path.join(CERT_DIR, '.gitignore'), '*\n');
  // generate in a private dir, then rename the whole dir: parallel workers may
  // race here, and a key from one with a certificate from another must not mix
  const tmp = fs.mkdtempSync(path.join(CERT_DIR, '.gen-'));
  try {
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650',
        '-subj', '/O=wasmap tests/CN=wasmap.test',
        '-addext', 'subjectAltName=DNS:wasmap.test,DNS:localhost,IP:127.0.0.1',
        '-keyout', path.join(tmp, 'key.pem'), '-out', path.join(tmp, 'cert.pem')],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl req failed (is the openssl package installed?): ${r.error?.message ?? r.stderr}`);
    fs.chmodSync(tmp, 0o755);
    fs.chmodSync(path.join(tmp, 'key.pem'), 0o644);
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      const code = /** @type {NodeJS.ErrnoException} */ (e).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e; // else another process won the race
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

/** @param {string} file @param {string} text */
function writeFileIfMissing(file, text) {
  if (!fs.existsSync(file)) fs.writeFileSync(file, text);
}

/** Copy the key pair into a service dir, owned by the daemon user, key 0600. @param {string} dir @param {string} [user] */
export function installCertificate(dir, user) {
  const { cert, key } = ensureCertificate();
  const out = { cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
  fs.copyFileSync(cert, out.cert);
  fs.copyFileSync(key, out.key);
  fs.chmodSync(out.cert, 0o644);
  fs.chmodSync(out.key, 0o600);
  if (user) {
    chownTo(out.cert, user);
    chownTo(out.key, user);
  }
  return out;
}

/** @returns {string} SHA-256 fingerprint in Node's X509Certificate format */
function certFingerprint() {
  return new X509Certificate(fs.readFileSync(ensureCertificate().cert)).fingerprint256;
}

// ---------------------------------------------------------------------------
// minimal protocol exchanges used as readiness probes
// ---------------------------------------------------------------------------

/**
 * Connect, optionally send, and collect bytes until `done(buffer)` is true.
 * @param {ServiceContext} ctx
 * @param {{send?: Buffer | string, done: (b: Buffer) => boolean, tls?: boolean, timeoutMs?: number}} o
 * @returns {Promise<Buffer>}
 */
export function exchange(ctx, o) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    const sock = o.tls
      ? tls.connect({ host: ctx.host, port: ctx.port, rejectUnauthorized: false, servername: 'localhost' })
      : net.connect({ host: ctx.host, port: ctx.port });
    const timer = setTimeout(() => finish(new Error(`no complete answer from ${ctx.host}:${ctx.port}`)), o.timeoutMs ?? 2000);
    /** @param {Error} [err] */
    function finish(err) {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    }
    sock.once(o.tls ? 'secureConnect' : 'connect', () => {
      if (o.send !== undefined) sock.write(o.send);
    });
    sock.on('data', (d) => {
      chunks.push(d);
      if (o.done(Buffer.concat(chunks))) finish();
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new Error(`connection closed after ${Buffer.concat(chunks).length} bytes`)));
  });
}

/** @param {ServiceContext} ctx */
async function httpProbe(ctx, useTls = false) {
  const res = await exchange(ctx, {
    tls: useTls,
    send: 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n',
    done: (b) => b.includes('</html>'),
  });
  const text = res.toString('latin1');
  if (!text.startsWith('HTTP/1.1 200')) throw new Error(`unexpected HTTP answer: ${text.split('\r\n')[0]}`);
  const title = /<title>([^<]*)<\/title>/.exec(text)?.[1];
  return { url: `${useTls ? 'https' : 'http'}://${ctx.host}:${ctx.port}/`, title };
}

/** @param {ServiceContext} ctx @param {string} send @param {string} expect */
async function lineProbe(ctx, send, expect) {
  const res = (await exchange(ctx, { send, done: (b) => b.includes('\n') })).toString('latin1');
  if (!res.startsWith(expect)) throw new Error(`expected ${JSON.stringify(expect)}, got ${JSON.stringify(res.slice(0, 80))}`);
  return res.trim();
}

/** MQTT 3.1.1 CONNECT with clean session and a random client id. */
function mqttConnectPacket() {
  const id = Buffer.from(`wasmap-probe-${process.pid}`);
  const varHeader = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x0a]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  const rest = Buffer.concat([varHeader, payload]);
  return Buffer.concat([Buffer.from([0x10, rest.length]), rest]);
}

// ---------------------------------------------------------------------------
// service definitions
// ---------------------------------------------------------------------------

/** @type {Record<string, ServiceDef>} */
const SERVICES = {
  ssh: {
    packages: ['openssh-server'],
    async prepare(ctx) {
      // sshd insists on its compiled-in privilege-separation dir when root
      if (ctx.root) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
      const keys = [];
      for (const t of ['rsa', 'ecdsa', 'ed25519']) {
        const k = path.join(ctx.dir, `ssh_host_${t}_key`);
        if (!fs.existsSync(k)) await run('ssh-keygen', ['-q', '-t', t, '-N', '', '-C', 'wasmap-test', '-f', k]);
        keys.push(k);
      }
      writeFile(path.join(ctx.dir, 'sshd_config'), [
        `Port ${ctx.port}`,
        `ListenAddress ${ctx.host}`,
        ...keys.map((k) => `HostKey ${k}`),
        `PidFile ${path.join(ctx.dir, 'sshd.pid')}`,
        'UsePAM no',
        'PermitRootLogin no',
        // auth methods stay visible to scanners, but no real account may log in
        'AllowUsers wasmap-no-such-user',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'X11Forwarding no',
        'PrintMotd no',
        'MaxStartups 100',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'));
      return { cmd: '/usr/sbin/sshd', args: ['-D', '-e', '-f', path.join(ctx.dir, 'sshd_config')] };
    },
    async probe(ctx) {
      const banner = await lineProbe(ctx, '', 'SSH-2.0-');
      return { banner, hostKeys: ['rsa', 'ecdsa', 'ed25519'].map((t) => path.join(ctx.dir, `ssh_host_${t}_key.pub`)) };
    },
  },

  http: {
    packages: ['nginx-light'],
    prepare: async (ctx) => nginxPrepare(ctx, false),
    probe: (ctx) => httpProbe(ctx, false),
    logFiles: (ctx) => [path.join(ctx.dir, 'error.log')],
  },

  https: {
    packages: ['nginx-light', 'openssl'],
    tls: true,
    prepare: async (ctx) => nginxPrepare(ctx, true),
    async probe(ctx) {
      const res = await httpProbe(ctx, true);
      return { ...res, certFile: ensureCertificate().cert, fingerprint256: certFingerprint() };
    },
    logFiles: (ctx) => [path.join(ctx.dir, 'error.log')],
  },

  redis: {
    packages: ['redis-server'],
    async prepare(ctx) {
      writeFile(path.join(ctx.dir, 'redis.conf'), [
        `bind ${ctx.host}`,
        `port ${ctx.port}`,
        'protected-mode no',
        'daemonize no',
        `dir ${ctx.dir}`,
        'logfile ""',
        'save ""',
        'appendonly no',
        '',
      ].join('\n'));
      chownTo(ctx.dir, 'redis');
      return asUser('redis', '/usr/bin/redis-server', [path.join(ctx.dir, 'redis.conf')]);
    },
    async probe(ctx) {
      await lineProbe(ctx, 'PING\r\n', '+PONG');
      return {};
    },
  },

  memcached: {
    packages: ['memcached'],
    async prepare(ctx) {
      // memcached refuses to run as root without -u
      const user = ctx.root ? ['-u', 'memcache'] : [];
      return { cmd: '/usr/bin/memcached', args: [...user, '-l', ctx.host, '-p', String(ctx.port), '-U', '0', '-m', '32', '-c', '256'] };
    },
    async probe(ctx) {
      const line = await lineProbe(ctx, 'version\r\n', 'VERSION ');
      return { version: line.slice('VERSION '.length) };
    },
  },

  mqtt: {
    packages: ['mosquitto', 'mosquitto-clients'],
    async prepare(ctx) {
      writeFile(path.join(ctx.dir, 'mosquitto.conf'), [
        'per_listener_settings false',
        'allow_anonymous true',
        'persistence false',
        `listener ${ctx.port} ${ctx.host}`,
        'log_dest stdout',
        ...(ctx.root ? ['user mosquitto'] : []),
        '',
      ].join('\n'));
      return { cmd: '/usr/sbin/mosquitto', args: ['-c', path.join(ctx.dir, 'mosquitto.conf')] };
    },
    async probe(ctx) {
      const res = await exchange(ctx, { send: mqttConnectPacket(), done: (b) => b.length >= 4 });
      if (res[0] !== 0x20 || res[3] !== 0x00) throw new Error(`bad CONNACK ${res.subarray(0, 4).toString('hex')}`);
      return {};
    },
    async afterStart(ctx) {
      // the publisher: retained messages stay on the broker for any later subscriber
      for (const [topic, msg] of Object.entries(MQTT_RETAINED)) {
        await run('/usr/bin/mosquitto_pub', ['-h', ctx.host, '-p', String(ctx.port), '-r', '-q', '1', '-t', topic, '-m', msg], { timeoutMs: 10_000 });
      }
      return { retained: { ...MQTT_RETAINED } };
    },
  },

  postgres: {
    packages: ['postgresql'],
    // SIGTERM is "smart" shutdown and waits for clients; SIGINT does not
    stopSignal: 'SIGINT',
    async prepare(ctx) {
      const bin = postgresBinDir();
      const data = path.join(ctx.dir, 'data');
      chownTo(ctx.dir, 'postgres');
      removeStalePostmasterPid(data);
      if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
        const pw = path.join(ctx.dir, 'pwfile');
        writeFile(pw, `${PG_PASSWORD}\n`, 0o600);
        chownTo(pw, 'postgres');
        fs.rmSync(data, { recursive: true, force: true }); // a half-done earlier init
        const init = asUser('postgres', path.join(bin, 'initdb'), [
          '-D', data, '-U', 'postgres', `--pwfile=${pw}`, '--auth-local=trust', '--auth-host=scram-sha-256',
          '-E', 'UTF8', '--no-locale', '--no-sync',
        ]);
        await run(init.cmd, init.args, { cwd: ctx.dir });
        fs.rmSync(pw, { force: true });
      }
      const { cert, key } = installCertificate(ctx.dir, 'postgres');
      return {
        ...asUser('postgres', path.join(bin, 'postgres'), [
          '-D', data, '-p', String(ctx.port),
          '-c', `listen_addresses=${ctx.host}`, '-c', `unix_socket_directories=${ctx.dir}`,
          '-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`,
          '-c', 'shared_buffers=8MB', '-c', 'max_connections=30', '-c', 'logging_collector=off', '-c', 'fsync=off',
          // fewer background processes: no vacuum, replication or WAL archiving in a test server
          '-c', 'autovacuum=off', '-c', 'wal_level=minimal', '-c', 'max_wal_senders=0',
          '-c', 'max_logical_replication_workers=0',
        ]),
        cwd: ctx.dir,
      };
    },
    async probe(ctx) {
      // SSLRequest: length 8, code 80877103; the server answers one byte, S or N
      const res = await exchange(ctx, { send: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]), done: (b) => b.length >= 1 });
      if (res[0] !== 0x53 && res[0] !== 0x4e) throw new Error(`bad SSLRequest answer ${res.toString('hex')}`);
      return { user: 'postgres', password: PG_PASSWORD, socketDir: ctx.dir, ssl: res[0] === 0x53 };
    },
  },

  mysql: {
    packages: ['mariadb-server'],
    async prepare(ctx) {
      const data = path.join(ctx.dir, 'data');
      const user = ctx.root ? ['--user=mysql'] : [];
      fs.mkdirSync(path.join(ctx.dir, 'tmp'), { recursive: true });
      chownTo(ctx.dir, 'mysql');
      if (!fs.existsSync(path.join(data, 'mysql', 'user.frm')) && !fs.existsSync(path.join(data, 'mysql', 'global_priv.frm'))) {
        fs.rmSync(data, { recursive: true, force: true });
        await run('/usr/bin/mariadb-install-db', [
          '--no-defaults', ...user, `--datadir=${data}`, '--auth-root-authentication-method=normal',
          '--skip-test-db', '--skip-name-resolve',
        ], { cwd: ctx.dir });
      }
      return {
        cmd: '/usr/sbin/mariadbd',
        args: [
          '--no-defaults', ...user, `--datadir=${data}`, `--tmpdir=${path.join(ctx.dir, 'tmp')}`,
          `--port=${ctx.port}`, `--bind-address=${ctx.host}`,
          `--socket=${path.join(ctx.dir, 'mysqld.sock')}`, `--pid-file=${path.join(ctx.dir, 'mysqld.pid')}`,
          '--skip-name-resolve', '--skip-log-bin', '--performance-schema=OFF',
          // small caches: a test server holds no data worth caching
          '--innodb-buffer-pool-size=8M', '--innodb-log-buffer-size=1M', '--key-buffer-size=1M',
          '--aria-pagecache-buffer-size=1M', '--query-cache-size=0', '--max-connections=50',
        ],
        cwd: ctx.dir,
      };
    },
    async probe(ctx) {
      // server greeting: 3-byte length, sequence, protocol version 10, NUL-terminated version
      const res = await exchange(ctx, { done: (b) => b.length >= 4 && b.length >= 4 + b.readUIntLE(0, 3) });
      const end = res.indexOf(0, 5);
      if (res[4] !== 10 || end < 0) throw new Error(`bad MySQL greeting ${res.subarray(0, 16).toString('hex')}`);
      return { version: res.subarray(5, end).toString('latin1'), user: 'root', socket: path.join(ctx.dir, 'mysqld.sock') };
    },
  },

  ftp: {
    packages: ['vsftpd'],
    async prepare(ctx) {
      const root = path.join(ctx.dir, 'root');
      const empty = path.join(ctx.dir, 'empty');
      fs.mkdirSync(empty, { recursive: true });
      writePublicTree(root);
      fs.chmodSync(empty, 0o755);
      fs.chmodSync(root, 0o755);
      const conf = path.join(ctx.dir, 'vsftpd.conf');
      writeFile(conf, [
        // standalone, foreground, IPv4 loopback only, anonymous read-only
        'listen=YES',
        'listen_ipv6=NO',
        `listen_address=${ctx.host}`,
        `listen_port=${ctx.port}`,
        'background=NO',
        'anonymous_enable=YES',
        'no_anon_password=YES',
        `anon_root=${root}`,
        'local_enable=NO',
        'write_enable=NO',
        // passive only, on loopback; no PORT, so the server never connects out
        'port_enable=NO',
        'pasv_enable=YES',
        `pasv_address=${ctx.host}`,
        `pasv_min_port=${FTP_PASV[0] + ctx.portOffset}`,
        `pasv_max_port=${FTP_PASV[1] + ctx.portOffset}`,
        `secure_chroot_dir=${empty}`,
        'seccomp_sandbox=NO',
        'xferlog_enable=NO',
        `vsftpd_log_file=${path.join(ctx.dir, 'vsftpd.log')}`,
        ...(ctx.root ? [] : ['run_as_launching_user=YES']),
        '',
      ].join('\n'));
      return { cmd: '/usr/sbin/vsftpd', args: [conf] };
    },
    async probe(ctx) {
      const banner = await lineProbe(ctx, '', '220');
      return { banner, anonymous: true, files: Object.keys(PUBLIC_FILES) };
    },
  },

  rsync: {
    packages: ['rsync'],
    async prepare(ctx) {
      const pub = path.join(ctx.dir, 'pub');
      writePublicTree(pub);
      writeFile(path.join(ctx.dir, 'motd'), 'Welcome to the wasmap test rsync daemon\n');
      writeFile(path.join(ctx.dir, 'rsyncd.conf'), [
        `pid file = ${path.join(ctx.dir, 'rsyncd.pid')}`,
        'use chroot = no',
        ...(ctx.root ? ['uid = nobody', 'gid = nogroup'] : []),
        `motd file = ${path.join(ctx.dir, 'motd')}`,
        '[pub]',
        `  path = ${pub}`,
        '  comment = wasmap anonymous module',
        '  read only = yes',
        '  list = yes',
        '[docs]',
        `  path = ${path.join(pub, 'docs')}`,
        '  comment = wasmap docs module',
        '  read only = yes',
        '  list = yes',
        '',
      ].join('\n'));
      fs.rmSync(path.join(ctx.dir, 'rsyncd.pid'), { force: true }); // rsync refuses to start over a stale one
      return {
        cmd: '/usr/bin/rsync',
        args: ['--daemon', '--no-detach', `--config=${path.join(ctx.dir, 'rsyncd.conf')}`,
          `--port=${ctx.port}`, `--address=${ctx.host}`, `--log-file=${path.join(ctx.dir, 'rsyncd.log')}`],
      };
    },
    async probe(ctx) {
      const greeting = (await lineProbe(ctx, '', '@RSYNCD:')).split('\n')[0];
      return { greeting, modules: ['pub', 'docs'] };
    },
    logFiles: (ctx) => [path.join(ctx.dir, 'rsyncd.log')],
  },

  telnet: {
    packages: ['inetutils-telnetd', 'openbsd-inetd'],
    async prepare(ctx) {
      // inetd (not daemonized, own config) spawns inetutils telnetd per connection.
      // telnetd runs as root only because login(1) needs it; root has no
      // password here and the listener is loopback-only.
      const user = ctx.root ? 'root' : os.userInfo().username;
      const conf = path.join(ctx.dir, 'inetd.conf');
      writeFile(conf, `${ctx.host}:${ctx.port} stream tcp nowait ${user} /usr/sbin/telnetd telnetd\n`);
      return { cmd: '/usr/sbin/inetd', args: ['-i', conf] };
    },
    async probe(ctx) {
      const res = await exchange(ctx, { done: (b) => b.length >= 3 });
      if (res[0] !== 0xff) throw new Error(`no telnet IAC negotiation, got ${res.subarray(0, 8).toString('hex')}`);
      return {};
    },
  },

  smtp: {
    packages: ['exim4-daemon-light', 'openssl'],
    async prepare(ctx) {
      // exim4 with a private config: accepts mail for its own domains and
      // blackholes it, refuses relaying, never delivers anywhere.
      const spool = path.join(ctx.dir, 'spool');
      fs.mkdirSync(path.join(spool, 'log'), { recursive: true });
      const { cert, key } = installCertificate(ctx.dir, 'Debian-exim');
      chownTo(spool, 'Debian-exim');
      const conf = path.join(ctx.dir, 'exim.conf');
      // exim insists its config is owned by root (when root) and not writable by others
      writeFile(conf, [
        'primary_hostname = wasmap.test',
        'domainlist local_domains = wasmap.test : localhost',
        `daemon_smtp_ports = ${ctx.port}`,
        `local_interfaces = ${ctx.host}`,
        `spool_directory = ${spool}`,
        `log_file_path = ${path.join(spool, 'log', '%slog')}`,
        `pid_file_path = ${path.join(spool, 'exim.pid')}`,
        // as non-root, exim drops its setuid root for a private -C config;
        // admin_groups then lets the caller run the daemon as itself
        ...(ctx.root ? ['exim_user = Debian-exim', 'exim_group = Debian-exim'] : callerEximSettings()),
        'never_users = root',
        'host_lookup =',
        'rfc1413_hosts =',
        // several test files (smtp, ssl, misconfig) probe this one exim at once: above exim's
        // default of 20 connections it refuses, which reads as "TLS not accepted"
        'smtp_accept_max = 500',
        'smtp_accept_max_per_host = 500',
        'smtp_accept_queue_per_connection = 0',
        'tls_advertise_hosts = *',
        `tls_certificate = ${cert}`,
        `tls_privatekey = ${key}`,
        'acl_smtp_rcpt = acl_check_rcpt',
        '',
        'begin acl',
        'acl_check_rcpt:',
        '  accept domains = +local_domains',
        '  deny   message = relay not permitted',
        '',
        'begin routers',
        'blackhole:',
        '  driver = redirect',
        '  domains = +local_domains',
        '  data = :blackhole:',
        '',
        'begin transports',
        '',
        'begin retry',
        '*  *  F,1h,15m',
        '',
        'begin rewrite',
        '',
        'begin authenticators',
        '',
      ].join('\n'));
      return { cmd: '/usr/sbin/exim4', args: ['-C', conf, '-bdf'] };
    },
    async probe(ctx) {
      const res = (await exchange(ctx, {
        done: (b) => /^220 /m.test(b.toString('latin1')) && /^250 /m.test(b.toString('latin1')),
        send: 'EHLO probe.wasmap.test\r\n',
      })).toString('latin1');
      if (!res.startsWith('220')) throw new Error(`bad SMTP greeting ${JSON.stringify(res.slice(0, 80))}`);
      return { banner: res.split('\r\n')[0], starttls: /^250[- ]STARTTLS/m.test(res) };
    },
    logFiles: (ctx) => [path.join(ctx.dir, 'spool', 'log', 'mainlog'), path.join(ctx.dir, 'spool', 'log', 'paniclog')],
  },
  smb: samba,
  imap: dovecot,
  xrdp: xrdp,
  ipp: cups,
  nats: nats,
  etcd: etcd,
  prometheus: prometheus,
  influxdb: influxdb,
  vnc: vnc,
  docker: podman,
  x11: x11,
  ldap: ldap,
  zookeeper: zookeeper,
  sip: kamailio,
};

function callerEximSettings() {
  const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
  if (!group) throw new Error('cannot find the primary group of this user (id -gn)');
  return [`exim_user = ${os.userInfo().username}`, `exim_group = ${group}`, `admin_groups = ${group}`];
}

/** @param {ServiceContext} ctx @param {boolean} useTls @returns {LaunchSpec} */
function nginxPrepare(ctx, useTls) {
  const www = path.join(ctx.dir, 'www');
  fs.mkdirSync(path.join(ctx.dir, 'tmp'), { recursive: true });
  writeFile(path.join(www, 'index.html'), [
    '<!DOCTYPE html>',
    `<html><head><title>${PAGE_TITLE}</title></head>`,
    `<body><h1>${PAGE_TITLE}</h1><p>Loopback-only test server for wasmap.</p></body></html>`,
    '',
  ].join('\n'));
  writeFile(path.join(www, 'robots.txt'), 'User-agent: *\nDisallow: /private/\n');
  spawnSync('chmod', ['-R', 'a+rX', www]);
  const tlsLines = useTls
    ? (() => {
      const { cert, key } = installCertificate(ctx.dir);
      return [`    ssl_certificate ${cert};`, `    ssl_certificate_key ${key};`, '    ssl_protocols TLSv1.2 TLSv1.3;'];
    })()
    : [];
  const tmp = path.join(ctx.dir, 'tmp');
  writeFile(path.join(ctx.dir, 'nginx.conf'), [
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${path.join(ctx.dir, 'nginx.pid')};`,
    `error_log ${path.join(ctx.dir, 'error.log')};`,
    'events { worker_connections 256; }',
    'http {',
    '  include /etc/nginx/mime.types;',
    `  access_log ${path.join(ctx.dir, 'access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(tmp, t)};`),
    '  server {',
    `    listen ${ctx.host}:${ctx.port}${useTls ? ' ssl http2' : ''};`,
    '    server_name wasmap.test;',
    `    root ${www};`,
    '    index index.html;',
    ...tlsLines,
    '  }',
    '}',
    '',
  ].join('\n'));
  return { cmd: '/usr/sbin/nginx', args: ['-e', path.join(ctx.dir, 'error.log'), '-p', ctx.dir, '-c', path.join(ctx.dir, 'nginx.conf')] };
}

/**
 * After a SIGKILL postgres leaves postmaster.pid behind and refuses to start
 * if that PID now belongs to someone else. We hold the service lock and our
 * record says it is dead, so a pidfile naming a dead process is stale.
 * @param {string} data
 */
function removeStalePostmasterPid(data) {
  const file = path.join(data, 'postmaster.pid');
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // gone
  }
  if (!alive(pid) || !cmdline.includes('postgres')) fs.rmSync(file, { force: true });
}

function postgresBinDir() {
  const base = '/usr/lib/postgresql';
  const versions = (fs.existsSync(base) ? fs.readdirSync(base) : [])
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL server binary under /usr/lib/postgresql (apt-get install postgresql)');
  return path.join(base, versions[0], 'bin');
}

/** Service names in start-priority order. */
export const SERVICE_NAMES = Object.freeze(Object.keys(SERVICE_PORTS));

/** Debian packages per service. */
export const SERVICE_PACKAGES = Object.freeze(
  Object.fromEntries(Object.entries(SERVICES).map(([n, d]) => [n, Object.freeze([...d.packages])])),
);

// ---------------------------------------------------------------------------
// public API
// ---------------------------------------------------------------------------

/** @param {readonly string[]} names */
function checkNames(names) {
  const unknown = names.filter((n) => !Object.hasOwn(SERVICES, n));
  if (unknown.length) throw new Error(`unknown service(s) ${unknown.join(', ')}; known: ${SERVICE_NAMES.join(', ')}`);
}

/**
 * Debian packages that are not installed for these services (dpkg-query), so
 * callers can say exactly what to install.
 * @param {readonly string[]} [names] default: all services
 * @returns {string[]}
 */
export function missingPackages(names = SERVICE_NAMES) {
  checkNames(names);
  const pkgs = [...new Set(names.flatMap((n) => SERVICES[n].packages))];
  return pkgs.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || r.stdout.trim() !== 'installed';
  });
}

/** @param {string} name @param {StartOptions} opts @returns {ServiceContext} */
function contextFor(name, opts) {
  const runDir = path.resolve(opts.runDir ?? DEFAULT_RUN_DIR);
  const portOffset = opts.portOffset ?? 0;
  const port = SERVICE_PORTS[/** @type {keyof typeof SERVICE_PORTS} */ (name)] + portOffset;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error(`service ${name}: port ${port} out of range`);
  return {
    name,
    host: SERVICE_HOST,
    port,
    portOffset,
    runDir,
    dir: path.join(runDir, name),
    logFile: path.join(runDir, 'logs', `${name}.log`),
    root: isRoot(),
  };
}

/** True if something accepts TCP on host:port. @param {string} host @param {number} port */
function portAccepts(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(1000);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('timeout', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(false));
  });
}

/**
 * Start one service (the caller holds its lock).
 * @param {ServiceContext} ctx @param {number} timeoutMs @returns {Promise<PidRecord>}
 */
async function startOne(ctx, timeoutMs) {
  const def = SERVICES[ctx.name];
  const existing = readLiveRecord(ctx.runDir, ctx.name);
  if (existing && existing.port === ctx.port) {
    try {
      await def.probe(ctx);
      return existing;
    } catch {
      // ours but not answering: restart it below
    }
  }
  if (existing) await stopRecord(ctx.runDir, existing, def.stopSignal ?? 'SIGTERM', 5000);

  const missing = missingPackages([ctx.name]);
  if (missing.length) throw new Error(`service ${ctx.name}: missing Debian package(s): ${missing.join(' ')} (apt-get install -y ${missing.join(' ')})`);
  if (await portAccepts(ctx.host, ctx.port)) {
    throw new Error(`service ${ctx.name}: ${ctx.host}:${ctx.port} is already in use by a process not started from ${ctx.runDir}`);
  }

  fs.mkdirSync(ctx.dir, { recursive: true });
  fs.mkdirSync(path.dirname(ctx.logFile), { recursive: true });
  if (ctx.root) assertReachableByDaemons(ctx.dir);
  /** @type {LaunchSpec} */
  let spec;
  try {
    spec = await def.prepare(ctx);
  } catch (e) {
    throw startFailure(ctx, `could not be prepared: ${/** @type {Error} */ (e).message}`);
  }

  const fd = fs.openSync(ctx.logFile, 'a');
  fs.writeSync(fd, `\n=== ${new Date().toISOString()} ${spec.cmd} ${spec.args.join(' ')}\n`);
  /** @type {Error | undefined} */
  let spawnError;
  let child;
  try {
    // detached = own session, so the PID is also the process group to signal
    child = spawn(spec.cmd, spec.args, { cwd: spec.cwd ?? ctx.dir, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
  child.on('error', (e) => { spawnError = e; });
  child.unref();
  const pid = child.pid;
  const startTime = pid === undefined ? undefined : startTimeOf(pid);
  if (pid === undefined || startTime === undefined) {
    await sleep(50);
    throw startFailure(ctx, `could not be launched${spawnError ? `: ${spawnError.message}` : ''}`);
  }
  /** @type {PidRecord} */
  const rec = { name: ctx.name, pid, startTime, host: ctx.host, port: ctx.port, tls: def.tls === true, extra: {} };
  fs.mkdirSync(path.dirname(pidFile(ctx.runDir, ctx.name)), { recursive: true });
  fs.writeFileSync(pidFile(ctx.runDir, ctx.name), JSON.stringify(rec));

  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  for (;;) {
    if (!isSameProcess(pid, startTime)) {
      fs.rmSync(pidFile(ctx.runDir, ctx.name), { force: true });
      throw startFailure(ctx, `exited during start-up (${lastError})`);
    }
    try {
      rec.extra = await def.probe(ctx);
      break;
    } catch (e) {
      lastError = /** @type {Error} */ (e).message;
    }
    if (Date.now() > deadline) {
      await stopRecord(ctx.runDir, rec, def.stopSignal ?? 'SIGTERM', 2000);
      throw startFailure(ctx, `did not answer on ${ctx.host}:${ctx.port} within ${timeoutMs} ms (${lastError})`);
    }
    await sleep(100);
  }
  if (def.afterStart) {
    try {
      rec.extra = { ...rec.extra, ...(await def.afterStart(ctx)) };
    } catch (e) {
      await stopRecord(ctx.runDir, rec, def.stopSignal ?? 'SIGTERM', 2000);
      throw startFailure(ctx, `started but its set-up step failed: ${/** @type {Error} */ (e).message}`);
    }
  }
  fs.writeFileSync(pidFile(ctx.runDir, ctx.name), JSON.stringify(rec));
  return rec;
}

/**
 * Daemons that drop root run as "others": every directory from / down to
 * their own must be searchable. Adds the bits to runDir and below (never
 * removes any, so a runDir of /tmp keeps its sticky bit); above runDir only
 * checks, with a clear error.
 * @param {string} dir
 */
function assertReachableByDaemons(dir) {
  const runDir = path.dirname(dir);
  for (const d of [runDir, dir]) {
    const mode = fs.statSync(d).mode & 0o7777;
    if ((mode & 0o055) !== 0o055) fs.chmodSync(d, mode | 0o755);
  }
  for (let d = path.dirname(runDir); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) {
      throw new Error(`${d} is not searchable by other users, so daemons that drop root cannot reach ${dir}; pick another runDir`);
    }
    if (d === path.dirname(d)) break;
  }
}

/** @param {ServiceContext} ctx @param {string} what */
function startFailure(ctx, what) {
  const logs = [ctx.logFile, ...(SERVICES[ctx.name].logFiles?.(ctx) ?? [])]
    .map((f) => [f, tail(f, 15)])
    .filter(([, t]) => t)
    .map(([f, t]) => `--- tail of ${f}\n${t}`);
  return new Error(`service ${ctx.name} ${what}\n${logs.join('\n')}`);
}

/**
 * Start services (reusing ones already running from this runDir), wait until
 * each answers its protocol, and lease them to the calling process.
 * @param {readonly string[]} names
 * @param {StartOptions} [opts]
 * @returns {Promise<RunningService[]>} in the order of `names`
 */
export async function startServices(names, opts = {}) {
  checkNames(names);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const results = await Promise.allSettled(names.map(async (name) => {
    const ctx = contextFor(name, opts);
    fs.mkdirSync(ctx.runDir, { recursive: true });
    return withLock(ctx.runDir, name, async () => {
      const rec = await startOne(ctx, timeoutMs);
      addLease(ctx.runDir, name, opts.pin === true);
      return toRunning(rec);
    });
  }));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [/** @type {Error} */ (r.reason).message] : []));
  if (failures.length) throw new Error(failures.join('\n\n'));
  return results.map((r) => /** @type {PromiseFulfilledResult<RunningService>} */ (r).value);
}

/**
 * Signal the recorded process group and its descendants, escalate to SIGKILL.
 * @param {string} runDir @param {PidRecord} rec @param {NodeJS.Signals} signal @param {number} graceMs
 */
async function stopRecord(runDir, rec, signal, graceMs) {
  if (isSameProcess(rec.pid, rec.startTime)) {
    const procs = [rec.pid, ...descendants(rec.pid)].map((p) => ({ pid: p, st: startTimeOf(p) }));
    /** @param {number} pid @param {NodeJS.Signals} sig */
    const kill = (pid, sig) => { try { process.kill(pid, sig); } catch { /* already gone */ } };
    kill(-rec.pid, signal);
    for (const p of procs) kill(p.pid, signal);
    const deadline = Date.now() + graceMs;
    const left = () => procs.filter((p) => p.st !== undefined && isSameProcess(p.pid, p.st));
    while (left().length && Date.now() < deadline) await sleep(50);
    for (const p of left()) kill(p.pid, 'SIGKILL');
    while (left().length && Date.now() < deadline + 2000) await sleep(20);
  }
  fs.rmSync(pidFile(runDir, rec.name), { force: true });
}

/**
 * Drop this process's lease and stop each service no other live process
 * holds (by recorded PID: SIGTERM, SIGKILL after the grace period).
 * @param {readonly string[]} [names] default: every service with a pidfile in runDir
 * @param {StopOptions} [opts]
 * @returns {Promise<string[]>} names actually stopped
 */
export async function stopServices(names, opts = {}) {
  const runDir = path.resolve(opts.runDir ?? DEFAULT_RUN_DIR);
  const list = names ?? listRecorded(runDir);
  checkNames(list);
  const stopped = await Promise.all(list.map((name) => withLock(runDir, name, async () => {
    const leaseDir = path.join(runDir, 'leases', name);
    if (opts.force) fs.rmSync(leaseDir, { recursive: true, force: true });
    else fs.rmSync(path.join(leaseDir, selfLeaseId()), { force: true });
    if (otherLiveLeases(runDir, name).length) return undefined;
    let rec;
    try {
      rec = /** @type {PidRecord} */ (JSON.parse(fs.readFileSync(pidFile(runDir, name), 'utf8')));
    } catch {
      return undefined;
    }
    await stopRecord(runDir, rec, SERVICES[name].stopSignal ?? 'SIGTERM', opts.graceMs ?? 5000);
    SERVICES[name].afterStop?.(path.join(runDir, name));
    return name;
  })));
  return stopped.filter((n) => n !== undefined);
}

/** @param {string} runDir */
function listRecorded(runDir) {
  try {
    return fs.readdirSync(path.join(runDir, 'pids'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .filter((n) => Object.hasOwn(SERVICES, n));
  } catch {
    return [];
  }
}

/**
 * Services from this runDir whose recorded process is still alive.
 * @param {readonly string[]} [names] @param {{runDir?: string}} [opts]
 * @returns {RunningService[]}
 */
export function runningServices(names, opts = {}) {
  const runDir = path.resolve(opts.runDir ?? DEFAULT_RUN_DIR);
  const list = names ?? SERVICE_NAMES;
  checkNames(list);
  return list.flatMap((n) => {
    const rec = readLiveRecord(runDir, n);
    return rec ? [toRunning(rec)] : [];
  });
}
