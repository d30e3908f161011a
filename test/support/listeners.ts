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
