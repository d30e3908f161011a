// Real UDP daemons from Debian packages for the UDP scanner tests, each
// started in the foreground on a free high loopback port with a throwaway
// config, and stopped by the PID we spawned (SIGTERM, then SIGKILL).
//
//   dnsmasq   (package dnsmasq-base)  DNS, answers version.bind CHAOS TXT
//   snmpd     (package snmpd)         SNMP v1/v2c, community `public`
//   memcached (package memcached)     memcached UDP frames
//   chronyd   (package chrony)        NTP server (`local stratum 10`, no clock control)
//   in.tftpd  (package tftpd-hpa)     TFTP, answers from a fresh port
//
// Plain ESM so it needs no build step.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const isRoot = process.getuid?.() === 0;

/**
 * @typedef {object} PeerDef
 * @property {string} pkg Debian package
 * @property {string} bin absolute path of the daemon
 * @property {boolean} [ipv6] also listens on ::1
 * @property {boolean} [tcpToo] binds the same TCP port (so it must be free too)
 * @property {(port: number, dir: string) => {args: string[], env?: Record<string, string>}} launch
 */

/** @type {Record<string, PeerDef>} */
export const PEERS = {
  dnsmasq: {
    pkg: 'dnsmasq-base',
    bin: '/usr/sbin/dnsmasq',
    ipv6: true,
    tcpToo: true,
    launch: (port) => ({
      args: [
        `--port=${port}`, '--listen-address=127.0.0.1', '--listen-address=::1', '--bind-interfaces',
        '--no-daemon', '--no-resolv', '--no-hosts', '--pid-file=', '--log-facility=-',
        ...(isRoot ? ['--user=root'] : []),
      ],
    }),
  },
  snmpd: {
    pkg: 'snmpd',
    bin: '/usr/sbin/snmpd',
    ipv6: true,
    launch: (port, dir) => {
      const conf = path.join(dir, 'snmpd.conf');
      fs.writeFileSync(conf, ['rocommunity public 127.0.0.1', 'rocommunity6 public ::1', `sysDescr ${SNMP_SYS_DESCR}`, ''].join('\n'));
      return {
        args: ['-f', '-Lo', '-C', '-c', conf, '-p', path.join(dir, 'snmpd.pid'), `udp:127.0.0.1:${port},udp6:[::1]:${port}`],
        // no MIB loading (noise only), and persistent state in our dir
        env: { MIBS: '', SNMP_PERSISTENT_DIR: dir },
      };
    },
  },
  memcached: {
    pkg: 'memcached',
    bin: '/usr/bin/memcached',
    launch: (port) => ({
      // -p 0: no TCP listener; memcached refuses to run as root without -u
      args: ['-U', String(port), '-p', '0', '-l', '127.0.0.1', '-m', '16', '-c', '64', ...(isRoot ? ['-u', 'memcache'] : [])],
    }),
  },
  chronyd: {
    pkg: 'chrony',
    bin: '/usr/sbin/chronyd',
    launch: (port, dir) => {
      const conf = path.join(dir, 'chrony.conf');
      fs.writeFileSync(conf, [
        `port ${port}`, 'bindaddress 127.0.0.1', 'allow 127.0.0.1', 'local stratum 10', 'cmdport 0',
        `pidfile ${path.join(dir, 'chronyd.pid')}`, `driftfile ${path.join(dir, 'drift')}`, '',
      ].join('\n'));
      // -d foreground, -x never touch the clock, -U allow running unprivileged
      return { args: ['-d', '-x', ...(isRoot ? [] : ['-U']), '-f', conf] };
    },
  },
  tftpd: {
    pkg: 'tftpd-hpa',
    bin: '/usr/sbin/in.tftpd',
    launch: (port, dir) => {
      const root = path.join(dir, 'root');
      fs.mkdirSync(root, { mode: 0o755 });
      return { args: ['--listen', '--foreground', '--address', `127.0.0.1:${port}`, '--secure', ...(isRoot ? ['--user', 'nobody'] : []), root] };
    },
  },
};

export const SNMP_SYS_DESCR = 'wasmap udp test agent';

/** Why a peer cannot run here, or undefined. */
export function peerMissing(name) {
  const def = PEERS[name];
  try {
    fs.accessSync(def.bin, fs.constants.X_OK);
    return undefined;
  } catch {
    return `${def.bin} not found (apt-get install ${def.pkg})`;
  }
}

/** A UDP port free on 127.0.0.1 (and ::1, and for TCP, when asked). */
export async function freeUdpPort({ ipv6 = false, tcp = false } = {}) {
  for (let i = 0; i < 50; i++) {
    const port = await bindUdp('127.0.0.1', 0).then(async (s) => {
      const p = s.address().port;
      s.close();
      return p;
    });
    const ok = await Promise.all([
      ipv6 ? canBindUdp('::1', port) : true,
      tcp ? canListenTcp('127.0.0.1', port) : true,
      tcp && ipv6 ? canListenTcp('::1', port) : true,
    ]);
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no free UDP port found');
}

function bindUdp(host, port) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(port, host, () => resolve(s));
  });
}

async function canBindUdp(host, port) {
  try {
    const s = await bindUdp(host, port);
    s.close();
    return true;
  } catch {
    return false;
  }
}

function canListenTcp(host, port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Whether some socket is bound to this local UDP port (from /proc/net/udp{,6}). */
export function udpPortBound(port, family = 4) {
  return procUdp(family).some((s) => s.localPort === port);
}

/**
 * Sockets in /proc/net/udp (or udp6) as {localPort, remotePort}. Our probe
 * sockets are connected, so their remotePort is the probed port.
 */
export function procUdp(family = 4) {
  const file = family === 6 ? '/proc/net/udp6' : '/proc/net/udp';
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').slice(1).filter(Boolean).map((line) => {
    const [, local, remote] = line.trim().split(/\s+/);
    return { localPort: parseInt(local.split(':')[1], 16), remotePort: parseInt(remote.split(':')[1], 16) };
  });
}

/**
 * Starts a peer and resolves once its port is bound.
 * @returns {Promise<{name: string, port: number, pid: number, log: () => string, stop: () => Promise<void>}>}
 */
export async function startPeer(name, { timeoutMs = 15000 } = {}) {
  const def = PEERS[name];
  const missing = peerMissing(name);
  if (missing) throw new Error(missing);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wasmap-udp-${name}-`));
  fs.chmodSync(dir, 0o755); // daemons that drop privileges still read their config
  const port = await freeUdpPort({ ipv6: !!def.ipv6, tcp: !!def.tcpToo });
  const { args, env } = def.launch(port, dir);
  const logFile = path.join(dir, 'log');
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(def.bin, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  fs.closeSync(fd);
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  child.once('error', () => { exited = true; });
  const log = () => { try { return fs.readFileSync(logFile, 'utf8').slice(-2000); } catch { return ''; } };

  const stop = async () => {
    if (!exited && child.pid) {
      try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
      const killer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      await exit;
      clearTimeout(killer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (!(udpPortBound(port, 4) && (!def.ipv6 || udpPortBound(port, 6)))) {
    if (exited || Date.now() > deadline) {
      const why = exited ? 'exited' : 'did not bind its port in time';
      const text = log();
      await stop();
      throw new Error(`${name} ${why}:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, port, pid: child.pid, log, stop };
}

/**
 * A node dgram peer for state-machine cases no daemon gives on demand: it
 * counts what it receives and answers with `reply(msg)` (or stays silent when
 * reply is undefined).
 */
export async function startDgramPeer(host = '127.0.0.1', reply) {
  const sock = await bindUdp(host, 0);
  const received = [];
  sock.on('message', (msg, rinfo) => {
    received.push(msg);
    const out = reply?.(msg);
    if (out) sock.send(out, rinfo.port, rinfo.address);
  });
  return {
    port: sock.address().port,
    received,
    close: () => new Promise((r) => sock.close(() => r())),
  };
}
