/** Real TCP listeners on loopback for scanner tests: open ports with optional behaviour. */
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

/** A loopback port with nothing listening: bind, read the port, close. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const l = await listen(host);
  await l.close();
  return l.port;
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
