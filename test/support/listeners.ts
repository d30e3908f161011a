/** Real TCP listeners on loopback for scanner tests: open ports with optional behaviour. */
import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface Listener {
  port: number;
  server: net.Server;
  close(): Promise<void>;
}

export type Behaviour = 'silent' | { greet: string } | { reply: string };

export async function listen(host = '127.0.0.1', behaviour: Behaviour = 'silent', port = 0): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    if (typeof behaviour === 'object' && 'greet' in behaviour) s.write(behaviour.greet);
    if (typeof behaviour === 'object' && 'reply' in behaviour) s.once('data', () => s.end(behaviour.reply));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 4096 }, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  return {
    port: addr.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Closed ports come from 20000-26999: below the kernel's ephemeral range
 * (32768+), so no listen(0) of a parallel test and no connect()'s source port
 * takes one after it is handed out (a port from listen(0) was, and the scan
 * saw it open), and clear of the fixed service ports (27000+). Each vitest
 * worker gets its own slice and starts at a random place in it; a port any
 * socket still holds, TIME_WAIT included, is skipped: a daemon that binds
 * without SO_REUSEADDR (FreeRDP's) cannot take such a port, though a test
 * listen() can.
 */
const CLOSED_FIRST = 20000;
const CLOSED_SLICE = 400;
const worker = Number(process.env.VITEST_POOL_ID ?? 0) % Math.floor(7000 / CLOSED_SLICE);
let nextClosed = Math.floor(Math.random() * CLOSED_SLICE);

/** Local TCP ports some socket holds now, in any state (from /proc/net/tcp and tcp6). */
function portsHeld(): Set<number> {
  const held = new Set<number>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local) held.add(parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  return held;
}

/** A loopback port no socket holds (checked by binding it), outside the ephemeral range. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const held = portsHeld();
  for (let tries = 0; tries < CLOSED_SLICE; tries++) {
    const port = CLOSED_FIRST + worker * CLOSED_SLICE + (nextClosed++ % CLOSED_SLICE);
    if (held.has(port)) continue;
    const l = await listen(host, 'silent', port).catch(() => null);
    if (l === null) continue; // taken by something outside the tests
    await l.close();
    return port;
  }
  throw new Error(`no free loopback port in ${CLOSED_FIRST + worker * CLOSED_SLICE}+${CLOSED_SLICE}`);
}

/** Waits until something accepts TCP on 127.0.0.1:port (a daemon a test just spawned). */
export async function waitForPort(port: number, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listening on ${port}`);
}

/** Sends `line` to 127.0.0.1:port and collects bytes until `done` says the reply is whole (5 s at most). */
export function exchange(port: number, line: string, done: (b: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1', () => sock.write(line));
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no whole reply in 5 s'));
    }, 5000);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (done(all)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(all);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
