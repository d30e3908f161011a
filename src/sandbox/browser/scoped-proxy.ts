import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type AddressInfo, type Socket } from 'node:net';
import { canonicalIp } from '../../targets/ip.js';

/**
 * The browser's network scope (ABI A12): a forward proxy on loopback that a
 * page's browser context must use for every connection (Chromium's
 * `<-loopback>` rule keeps loopback targets on it too). It forwards only to
 * the invocation's target, ip:port, whatever name the page used for it, and
 * answers everything else with 403 without opening a connection. Names are
 * never resolved: a name the target is known by maps to the target's IP.
 */
export class ScopedProxy {
  blocked = 0;
  readonly blockedUrls: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(
    readonly ip: string,
    readonly port: number,
    names: readonly string[],
  ) {
    this.#names = new Set(names.map(norm));
    this.#server = createServer((req, res) => this.#forward(req, res));
    this.#server.on('connect', (req: IncomingMessage, sock: Socket, head: Buffer) => this.#tunnel(req, sock, head));
    this.#server.on('upgrade', (req: IncomingMessage, sock: Socket) => this.#refuse(sock, req.url ?? ''));
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  readonly #names: Set<string>;

  static async start(ip: string, port: number, names: readonly string[]): Promise<ScopedProxy> {
    const p = new ScopedProxy(ip, port, names);
    await new Promise<void>((resolve, reject) => {
      p.#server.once('error', reject);
      p.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return p;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** True when host:port is the target (by its IP or one of its names). */
  allows(host: string, port: number): boolean {
    if (port !== this.port) return false;
    const h = host.replace(/^\[(.*)\]$/, '$1');
    if (isIP(h)) return canonicalIp(h) === canonicalIp(this.ip);
    return this.#names.has(norm(h));
  }

  #note(url: string): void {
    this.blocked++;
    if (this.blockedUrls.length < 8) this.blockedUrls.push(url.slice(0, 256));
  }

  #refuse(sock: Socket, url: string): void {
    this.#note(url);
    sock.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  }

  /** Plain http: the request line carries the absolute URL. */
  #forward(req: IncomingMessage, res: ServerResponse): void {
    let u: URL;
    try {
      u = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    if (u.protocol !== 'http:' || !this.allows(u.hostname, port)) {
      this.#note(u.href);
      res.writeHead(403, { 'content-length': '0', connection: 'close' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const out = httpRequest({ host: this.ip, port: this.port, method: req.method, path: `${u.pathname}${u.search}`, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  }

  /** https and wss: CONNECT host:port, then bytes both ways. */
  #tunnel(req: IncomingMessage, sock: Socket, head: Buffer): void {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m || !this.allows(m[1]!, Number(m[2]))) return this.#refuse(sock, req.url ?? '');
    const up = connect({ host: this.ip, port: this.port });
    up.once('connect', () => {
      sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(sock);
      sock.pipe(up);
    });
    const drop = (): void => {
      up.destroy();
      sock.destroy();
    };
    up.on('error', drop);
    sock.on('error', drop);
    sock.on('close', () => up.destroy());
    up.on('close', () => sock.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const norm = (n: string): string => n.toLowerCase().replace(/\.$/, '');
