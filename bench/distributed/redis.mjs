// The bench's own redis-server: a free 127.0.0.1 port, no persistence, a
// throwaway directory; stopped by its PID. Plus the /proc reading that gives
// a live process's CPU seconds (all its threads).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a live process, threads included, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

/** A port nothing listens on right now (the kernel's pick, above the scanned ranges). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** One RESP command over a fresh connection; resolves the first reply line. */
export function redisCommand(port, ...words) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.setTimeout(5000, () => sock.destroy(new Error(`redis 127.0.0.1:${port}: no answer to ${words[0]}`)));
    sock.once('error', reject);
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) {
        sock.end();
        resolve(got.slice(0, got.indexOf('\r\n')));
      }
    });
    sock.write(`*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`);
  });
}

/** Starts redis-server on a free loopback port; resolves {port, pid, url, stop()} once it answers PING. */
export async function startRedis(dir) {
  const port = await freePort();
  const child = spawn('/usr/bin/redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  for (const t0 = Date.now(); ; ) {
    if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}: ${err.slice(0, 300)}`);
    if ((await redisCommand(port, 'PING').catch(() => '')) === '+PONG') break;
    if (Date.now() - t0 > 10_000) {
      await stop();
      throw new Error(`redis-server on 127.0.0.1:${port} did not answer PING in 10 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, pid: child.pid, url: `redis://127.0.0.1:${port}`, stop };
}
