// The test daemons (test/support/services.mjs) really start, answer their
// protocols on loopback, listen nowhere else, and really stop.
//
// Runs an isolated set (own run dir, ports +100) so it never disturbs the
// shared instances other test files lease on the default ports.

import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_RUN_DIR, SERVICE_NAMES, descendants, ensureCertificate,
  missingPackages, startServices, stopServices,
} from './support/services.mjs';

type Running = Awaited<ReturnType<typeof startServices>>[number];

const RUN_DIR = path.join(DEFAULT_RUN_DIR, 'services-test');
const PORT_OFFSET = 100;
const IN_CI = Boolean(process.env.CI);

// Outside CI a service whose package is missing is skipped, by name; in CI
// every service must start.
const skipReason = new Map(SERVICE_NAMES.map((n): [string, string] => {
  const missing = IN_CI ? [] : missingPackages([n]);
  return [n, missing.length ? `apt-get install -y ${missing.join(' ')}` : ''];
}));
const wanted = SERVICE_NAMES.filter((n) => !skipReason.get(n));
for (const [n, why] of skipReason) if (why) console.warn(`services.test: skipping ${n}: ${why}`);

const running = new Map<string, Running>();

/** Open a plain socket (or reuse one), send, and read until `done`. */
function talk(
  port: number,
  steps: { send?: string | Buffer; done: (b: Buffer) => boolean },
  existing?: net.Socket,
): Promise<{ data: Buffer; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = existing ?? net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (steps.done(buf)) {
        cleanup();
        resolve({ data: buf, socket });
      }
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`closed after ${JSON.stringify(buf.toString('latin1'))}`));
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    if (steps.send !== undefined) socket.write(steps.send);
  });
}

const text = (b: Buffer) => b.toString('latin1');
const hasLine = (re: RegExp) => (b: Buffer) => re.test(text(b));

function port(name: string): number {
  const s = running.get(name);
  if (!s) throw new Error(`${name} is not running`);
  return s.port;
}

/** State letter from /proc/<pid>/stat, undefined when the process is gone. */
function procState(pid: number): string | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * Local addresses of TCP listening sockets held open by these PIDs, plus any
 * listening on `port` (a setuid daemon such as exim hides its fds from a
 * non-root caller).
 */
function listeningAddresses(pids: number[], port: number): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // fd closed while we looked
      }
    }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] = local hex addr:port, f[3] = state (0A = LISTEN), f[9] = inode
      const [addr, p] = f[1].split(':');
      if (f[3] === '0A' && (inodes.has(f[9]) || parseInt(p, 16) === port)) {
        const ip = addr.length === 8
          ? [3, 2, 1, 0].map((i) => parseInt(addr.slice(i * 2, i * 2 + 2), 16)).join('.')
          : `ipv6:${addr}`;
        out.push(`${ip}:${parseInt(p, 16)}`);
      }
    }
  }
  return out;
}

describe('test services', () => {
  beforeAll(async () => {
    const started = await startServices(wanted, { runDir: RUN_DIR, portOffset: PORT_OFFSET });
    for (const s of started) running.set(s.name, s);
  });

  afterAll(async () => {
    await stopServices(undefined, { runDir: RUN_DIR, force: true });
  });

  const check = (name: string, title: string, fn: () => Promise<void>) => {
    const why = skipReason.get(name) ?? '';
    it.skipIf(why !== '')(why ? `${title} (skipped: ${why})` : title, fn);
  };

  check('ssh', 'ssh sends an SSH-2.0 banner', async () => {
    const { data, socket } = await talk(port('ssh'), { done: hasLine(/\n/) });
    socket.destroy();
    expect(text(data)).toMatch(/^SSH-2\.0-OpenSSH_\S+/);
  });

  check('http', 'http serves the index page with its title', async () => {
    const { data, socket } = await talk(port('http'), {
      send: 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n',
      done: hasLine(/<\/html>/),
    });
    socket.destroy();
    expect(text(data)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text(data)).toContain('<title>wasmap test page</title>');
  });

  check('https', 'https completes TLS 1.3 and 1.2 handshakes with the self-signed certificate', async () => {
    const { cert } = ensureCertificate();
    const ca = fs.readFileSync(cert);
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      // verification against our certificate alone proves it is the one served
      const sock = tls.connect({ host: '127.0.0.1', port: port('https'), ca, servername: 'localhost', maxVersion });
      await new Promise<void>((resolve, reject) => {
        sock.once('secureConnect', resolve);
        sock.once('error', reject);
      });
      expect(sock.authorized).toBe(true);
      expect(sock.getProtocol()).toBe(maxVersion);
      expect(sock.getPeerCertificate().fingerprint256).toBe(new X509Certificate(ca).fingerprint256);
      sock.write('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n');
      const body = await new Promise<string>((resolve) => {
        let acc = '';
        sock.on('data', (d: Buffer) => { acc += d.toString('latin1'); });
        sock.on('end', () => resolve(acc));
      });
      sock.destroy();
      expect(body).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(body).toContain('<title>wasmap test page</title>');
    }
  });

  check('redis', 'redis answers PING with +PONG', async () => {
    const { data, socket } = await talk(port('redis'), { send: 'PING\r\n', done: hasLine(/\r\n/) });
    socket.destroy();
    expect(text(data)).toBe('+PONG\r\n');
  });

  check('memcached', 'memcached answers the version command', async () => {
    const { data, socket } = await talk(port('memcached'), { send: 'version\r\n', done: hasLine(/\r\n/) });
    socket.destroy();
    expect(text(data)).toMatch(/^VERSION \d+\.\d+\.\d+\r\n$/);
  });

  check('mqtt', 'mqtt accepts a connection and delivers the retained messages', async () => {
    const id = Buffer.from('wasmap-services-test');
    const connectBody = Buffer.concat([
      Buffer.from([0, 4, ...Buffer.from('MQTT'), 4, 0x02, 0, 30, 0, id.length]), id,
    ]);
    const connect = Buffer.concat([Buffer.from([0x10, connectBody.length]), connectBody]);
    const { data: connack, socket } = await talk(port('mqtt'), { send: connect, done: (b) => b.length >= 4 });
    expect([...connack.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]);
    const topic = Buffer.from('wasmap/status');
    const subBody = Buffer.concat([Buffer.from([0, 1, 0, topic.length]), topic, Buffer.from([0])]);
    const subscribe = Buffer.concat([Buffer.from([0x82, subBody.length]), subBody]);
    // SUBACK (0x90 ...) then a retained PUBLISH (0x31 = PUBLISH with RETAIN)
    const { data } = await talk(port('mqtt'), {
      send: subscribe,
      done: (b) => b.includes(Buffer.from('online')),
    }, socket);
    socket.destroy();
    expect(data[0]).toBe(0x90);
    const pub = data.indexOf(0x31, 5);
    expect(pub).toBeGreaterThan(0);
    expect(text(data.subarray(pub))).toContain('wasmap/statusonline');
  });

  check('postgres', 'postgres answers an SSLRequest with S', async () => {
    const { data, socket } = await talk(port('postgres'), {
      send: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]),
      done: (b) => b.length >= 1,
    });
    socket.destroy();
    expect(text(data)).toBe('S');
  });

  check('mysql', 'mysql sends a protocol 10 handshake with a MariaDB version string', async () => {
    const { data, socket } = await talk(port('mysql'), {
      done: (b) => b.length >= 4 && b.length >= 4 + b.readUIntLE(0, 3),
    });
    socket.destroy();
    expect(data[3]).toBe(0); // sequence id
    expect(data[4]).toBe(10); // protocol version
    const version = text(data.subarray(5, data.indexOf(0, 5)));
    expect(version).toMatch(/^\d+\.\d+\.\d+-.*MariaDB/);
  });

  check('ftp', 'ftp greets with 220 and lets anonymous log in', async () => {
    const { data: greeting, socket } = await talk(port('ftp'), { done: hasLine(/\r\n/) });
    expect(text(greeting)).toMatch(/^220 \(vsFTPd \d/);
    const { data } = await talk(port('ftp'), { send: 'USER anonymous\r\n', done: hasLine(/^\d{3} /m) }, socket);
    socket.destroy();
    expect(text(data)).toMatch(/^230 /);
  });

  check('rsync', 'rsync greets with @RSYNCD and lists its modules', async () => {
    const { data: greeting, socket } = await talk(port('rsync'), { done: hasLine(/\n/) });
    expect(text(greeting)).toMatch(/^@RSYNCD: \d+/);
    const { data } = await talk(port('rsync'), { send: '@RSYNCD: 31.0\n#list\n', done: hasLine(/@RSYNCD: EXIT/) }, socket);
    socket.destroy();
    expect(text(data)).toMatch(/^pub\s+wasmap anonymous module$/m);
    expect(text(data)).toMatch(/^docs\s+/m);
  });

  check('telnet', 'telnet opens with IAC option negotiation', async () => {
    const { data, socket } = await talk(port('telnet'), { done: (b) => b.length >= 3 });
    socket.destroy();
    expect(data[0]).toBe(0xff); // IAC
    expect(data[1]).toBeGreaterThanOrEqual(0xfb); // WILL, WONT, DO or DONT
  });

  check('smtp', 'smtp greets with 220, offers STARTTLS after EHLO and upgrades to TLS', async () => {
    const { data: greeting, socket } = await talk(port('smtp'), { done: hasLine(/\r\n/) });
    expect(text(greeting)).toMatch(/^220 wasmap\.test ESMTP/);
    const { data: ehlo } = await talk(port('smtp'), { send: 'EHLO client.wasmap.test\r\n', done: hasLine(/^250 /m) }, socket);
    expect(text(ehlo)).toMatch(/^250-wasmap\.test Hello/);
    expect(text(ehlo)).toMatch(/^250[- ]STARTTLS\r$/m);
    const { data: ready } = await talk(port('smtp'), { send: 'STARTTLS\r\n', done: hasLine(/\r\n/) }, socket);
    expect(text(ready)).toMatch(/^220 /);
    const secure = tls.connect({ socket, ca: fs.readFileSync(ensureCertificate().cert), servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    expect(secure.authorized).toBe(true);
    secure.destroy();
  });

  it('every daemon listens on 127.0.0.1 only', () => {
    expect(running.size).toBe(wanted.length);
    for (const s of running.values()) {
      const addrs = listeningAddresses([s.pid, ...descendants(s.pid)], s.port);
      expect(addrs, s.name).toContain(`127.0.0.1:${s.port}`);
      for (const a of addrs) expect(a, `${s.name} listens on ${a}`).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });

  it('starting running services again reuses the same processes', async () => {
    const again = await startServices(wanted, { runDir: RUN_DIR, portOffset: PORT_OFFSET });
    expect(again.map((s) => [s.name, s.pid])).toEqual(wanted.map((n) => [n, running.get(n)?.pid]));
  });

  it('stopping the services ends every recorded process and frees the ports', async () => {
    const pids = [...running.values()].flatMap((s) => [s.pid, ...descendants(s.pid)]);
    expect(pids.length).toBeGreaterThanOrEqual(wanted.length);
    const stopped = await stopServices(wanted, { runDir: RUN_DIR });
    expect([...stopped].sort()).toEqual([...wanted].sort());
    // PID 1 in a container may reap late: a zombie counts as gone
    for (const pid of pids) expect(procState(pid) ?? 'gone', `pid ${pid}`).toMatch(/^(gone|Z)$/);
    for (const s of running.values()) {
      expect(fs.existsSync(path.join(RUN_DIR, 'pids', `${s.name}.json`))).toBe(false);
      const refused = await new Promise<boolean>((resolve) => {
        const c = net.connect({ host: '127.0.0.1', port: s.port });
        c.once('connect', () => { c.destroy(); resolve(false); });
        c.once('error', () => resolve(true));
      });
      expect(refused, `${s.name} port ${s.port} still accepts`).toBe(true);
    }
  });

  it.skipIf(!wanted.includes('redis'))('a non-forced stop leaves a service running while another live process leases it', async () => {
    // another process (as a parallel test file would be) starts and leases redis
    const lib = new URL('./support/services.mjs', import.meta.url).href;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { startServices } = await import(${JSON.stringify(lib)});
      const [s] = await startServices(['redis'], { runDir: ${JSON.stringify(RUN_DIR)}, portOffset: ${PORT_OFFSET} });
      console.log(s.pid);
      setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = Number(await new Promise<string>((resolve, reject) => {
        holder.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
        holder.once('exit', (code) => reject(new Error(`lease holder exited with ${code}`)));
      }));
      const [mine] = await startServices(['redis'], { runDir: RUN_DIR, portOffset: PORT_OFFSET });
      expect(mine.pid).toBe(pid);
      expect(await stopServices(['redis'], { runDir: RUN_DIR })).toEqual([]);
      expect(procState(pid)).toMatch(/^[RSD]$/);
      holder.kill();
      await new Promise((resolve) => holder.once('exit', resolve));
      // the holder is gone, so its lease no longer counts
      expect(await stopServices(['redis'], { runDir: RUN_DIR })).toEqual(['redis']);
      expect(procState(pid) ?? 'gone').toMatch(/^(gone|Z)$/);
    } finally {
      holder.kill();
    }
  });

  it('refuses an unknown service name and lists the known ones', async () => {
    await expect(startServices(['no-such-service'], { runDir: RUN_DIR })).rejects.toThrow(/unknown service.*known: ssh, http/);
    expect(() => missingPackages(['no-such-service'])).toThrow(/unknown service/);
  });
});
