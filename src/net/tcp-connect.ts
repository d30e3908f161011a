/**
 * One TCP connect attempt, as cheap as Node allows. A connect scan only needs
 * the kernel's answer (SYN-ACK, RST, ICMP, nothing), so on the fast path we
 * drive libuv's TCP handle directly: building a full `net.Socket` costs about
 * twice as much per probe (measured: 65,535 loopback probes in 1.1 s vs 2.0 s
 * on one core). Where the internal binding is missing (another runtime, a
 * future Node), where touching it would show (deprecation flags), or with
 * WASMAP_CONNECTOR=net, the same interface runs on `net.Socket`.
 */
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { canonicalIp } from '../targets/ip.js';

/** `0` on success, else a libuv error name such as `ECONNREFUSED`. */
export type ConnectOutcome = 0 | string;

export type ConnectorKind = 'libuv' | 'net';

export interface Connector {
  readonly kind: ConnectorKind;
  /**
   * Starts a connect; `done` is called exactly once unless `abort()` is called
   * first. `ip` must be an IP literal. Returns an abort function, or an error
   * name if the attempt could not even start (e.g. EMFILE).
   */
  connect(ip: string, family: 4 | 6, port: number, done: (outcome: ConnectOutcome) => void): (() => void) | string;
}

interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}
interface TcpHandle {
  getsockname(out: { address?: string; port?: number }): number;
  connect(req: ConnectReq, ip: string, port: number): number;
  connect6(req: ConnectReq, ip: string, port: number): number;
  close(cb?: () => void): void;
}
interface ConnectReq {
  oncomplete: (status: number) => void;
}

/**
 * Whether to keep away from process.binding. Under --pending-deprecation
 * Node wraps it to emit DEP0111 asynchronously, so no try/catch sees it, and
 * --throw-deprecation turns that warning into a crash; a user who made
 * deprecations fatal gets no deprecated call even where Node would not warn.
 * --no-deprecation changes nothing here: it can only silence the warning.
 */
function avoidsBinding(): boolean {
  const pending = (args: readonly string[]): boolean => args.includes('--pending-deprecation');
  return process.throwDeprecation === true || pending(process.execArgv)
    || pending((process.env.NODE_OPTIONS ?? '').split(/\s+/)) || process.env.NODE_PENDING_DEPRECATION?.startsWith('1') === true;
}

/**
 * The connector this thread's settings allow. The connect scanner asks once on
 * the caller's thread and hands the answer to its workers: a process that set
 * `process.throwDeprecation` in code set it for that thread only.
 */
export function preferredConnector(): ConnectorKind {
  return process.env.WASMAP_CONNECTOR === 'net' || avoidsBinding() ? 'net' : 'libuv';
}

function loadTcpWrap(): TcpWrapBinding | undefined {
  try {
    // process.binding is deprecated (DEP0111, see avoidsBinding); probe it once.
    const binding = (process as unknown as { binding(name: string): unknown }).binding('tcp_wrap') as TcpWrapBinding;
    if (typeof binding?.TCP !== 'function' || typeof binding.TCPConnectWrap !== 'function') return undefined;
    return binding;
  } catch {
    return undefined;
  }
}

function libuvConnector(b: TcpWrapBinding): Connector {
  const { TCP, TCPConnectWrap, constants } = b;
  return {
    kind: 'libuv',
    connect(ip, family, port, done) {
      const handle = new TCP(constants.SOCKET);
      const req = new TCPConnectWrap();
      let settled = false;
      req.oncomplete = (status: number) => {
        if (settled) return;
        settled = true;
        let outcome: ConnectOutcome = status === 0 ? 0 : getSystemErrorName(status);
        if (status === 0) {
          const local: { address?: string; port?: number } = {};
          if (handle.getsockname(local) === 0 && isSelfConnect(local.address, local.port, ip, port)) outcome = 'ECONNREFUSED';
        }
        handle.close();
        done(outcome);
      };
      const err = family === 6 ? handle.connect6(req, ip, port) : handle.connect(req, ip, port);
      if (err) {
        settled = true;
        handle.close();
        return getSystemErrorName(err);
      }
      return () => {
        if (settled) return;
        settled = true;
        handle.close();
      };
    },
  };
}

function netConnector(): Connector {
  return {
    kind: 'net',
    connect(ip, family, port, done) {
      let settled = false;
      const socket = net.connect({ host: ip, port, family });
      socket.once('connect', () => {
        if (settled) return;
        settled = true;
        const self = isSelfConnect(socket.localAddress, socket.localPort, ip, port);
        socket.destroy();
        done(self ? 'ECONNREFUSED' : 0);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        done(err.code ?? 'EIO');
      });
      return () => {
        if (settled) return;
        settled = true;
        socket.destroy();
      };
    },
  };
}

/**
 * A connect to a local port nobody listens on can "succeed" when the kernel
 * picks that same port as the source: TCP simultaneous open with itself.
 * Scanning loopback's ephemeral range hits this every few scans; such a port
 * is closed, not open.
 */
function isSelfConnect(localAddress: string | undefined, localPort: number | undefined, ip: string, port: number): boolean {
  return localPort === port && localAddress !== undefined && canonicalIp(localAddress) === canonicalIp(ip);
}

/** A connector of `kind`, or a `net` one where libuv's binding is missing. */
export function createConnector(kind: ConnectorKind = preferredConnector()): Connector {
  const binding = kind === 'libuv' ? loadTcpWrap() : undefined;
  return binding ? libuvConnector(binding) : netConnector();
}
