/**
 * A real HTTP server on loopback for the plugin store tests: serves indexes,
 * plugins and signatures, and misbehaves on request (redirects, a body cut
 * short, a body that stalls). Routes match the request's path (the query is
 * ignored); anything unrouted is a 404. close() destroys open sockets so a
 * test never waits on a keep-alive connection.
 */
import http from 'node:http';
import type net from 'node:net';

export interface StallHandle {
  /** sends the rest of the body and ends the response(s) */
  release(): void;
  /** resolves once a request got the headers and the first sendBytes (written to the socket) */
  sent: Promise<void>;
  /** resolves when that request's connection closes (the client gave up, or the body was released and the socket closed) */
  closed: Promise<void>;
}

export interface PluginServer {
  /** http://HOST:PORT */
  url: string;
  port: number;
  /** `headers` override the defaults; `transfer-encoding: chunked` sends the body in pieces without a Content-Length */
  put(path: string, body: Buffer | string, opts?: { status?: number; headers?: Record<string, string> }): void;
  redirect(path: string, to: string, status?: number): void;
  /** declares the full Content-Length, sends sendBytes, then destroys the socket */
  truncate(path: string, body: Buffer, sendBytes: number): void;
  /** sends headers + sendBytes then waits for release() */
  stall(path: string, body: Buffer, sendBytes: number): StallHandle;
  hits(path: string): number;
  close(): Promise<void>;
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** `host` must be a loopback address (127.0.0.0/8): a second one, e.g. 127.0.0.2, plays "another host". */
export async function startPluginServer(opts: { host?: string } = {}): Promise<PluginServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!/^127\.\d+\.\d+\.\d+$/.test(host)) throw new Error(`plugin server: ${host} is not in 127.0.0.0/8`);
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    port,
    put(path, body, o = {}) {
      const bytes = Buffer.from(body);
      const chunked = Object.entries(o.headers ?? {}).some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && v === 'chunked');
      const headers: Record<string, string> = {
        'content-type': 'application/octet-stream',
        ...(chunked ? {} : { 'content-length': String(bytes.length) }),
        ...o.headers,
      };
      routes.set(path, (_req, res) => {
        res.writeHead(o.status ?? 200, headers);
        if (!chunked) return void res.end(bytes);
        for (let i = 0; i < bytes.length; i += 16_384) res.write(bytes.subarray(i, i + 16_384));
        res.end();
      });
    },
    redirect(path, to, status = 302) {
      routes.set(path, (_req, res) => void res.writeHead(status, { location: to }).end());
    },
    truncate(path, body, sendBytes) {
      routes.set(path, (req, res) => {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.write(body.subarray(0, sendBytes), () => req.socket.destroy());
      });
    },
    stall(path, body, sendBytes) {
      const waiting = new Set<http.ServerResponse>();
      let released = false;
      let onSent!: () => void;
      let onClosed!: () => void;
      const sent = new Promise<void>((r) => (onSent = r));
      const closed = new Promise<void>((r) => (onClosed = r));
      routes.set(path, (req, res) => {
        req.socket.once('close', onClosed);
        res.writeHead(200, { 'content-length': String(body.length) });
        if (released) return void res.end(body);
        waiting.add(res);
        res.write(body.subarray(0, sendBytes), () => onSent());
      });
      return {
        sent,
        closed,
        release() {
          released = true;
          for (const res of waiting) if (!res.destroyed) res.end(body.subarray(sendBytes));
          waiting.clear();
        },
      };
    },
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
