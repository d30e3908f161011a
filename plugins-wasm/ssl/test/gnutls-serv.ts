// A real gnutls-serv for the ssl plugin's tests, reachable on a loopback port.
// gnutls-serv has no bind option (it listens on every address), so it runs
// in a network namespace of its own (`unshare --net`: only a loopback there)
// and is reached through a unix socket: a relay inside the namespace
// forwards each connection to it, and a relay in this process listens on
// 127.0.0.1. TLS bytes pass unchanged; a close on either side closes the other.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';

export interface GnutlsServ {
  /** The loopback port to scan. */
  port: number;
  stop(): Promise<void>;
}

/** Which of these tests can run: unshare --net needs root (CAP_SYS_ADMIN). */
export function gnutlsServUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'unshare --net needs root';
  if (!existsSync('/usr/bin/gnutls-serv')) return 'gnutls-serv (gnutls-bin) is not installed';
  return undefined;
}

const INNER_PORT = 5556;
let started = 0;

/** The namespace-side relay: unix socket → 127.0.0.1:INNER_PORT. */
const INNER_RELAY = `
const net = require('node:net');
const [sock, port] = process.argv.slice(1);
net.createServer((a) => {
  const b = net.connect(Number(port), '127.0.0.1');
  a.pipe(b); b.pipe(a);
  const kill = () => { a.destroy(); b.destroy(); };
  a.on('error', kill); b.on('error', kill); a.on('close', kill); b.on('close', kill);
}).listen(sock);
`;

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const kill = (): void => { a.destroy(); b.destroy(); };
  for (const s of [a, b]) { s.on('error', kill); s.on('close', kill); }
}

/** Resolves once a TLS handshake through the relay completes. */
async function ready(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`gnutls-serv exited ${proc.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      const t = setTimeout(() => { s.destroy(); resolve(false); }, 1000);
      s.once('secureConnect', () => { clearTimeout(t); s.destroy(); resolve(true); });
      s.once('error', () => { clearTimeout(t); s.destroy(); resolve(false); });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gnutls-serv did not answer a TLS handshake: ${log()}`);
}

/**
 * Starts `gnutls-serv --priority <priority> <args>` with `cert`/`key` in a
 * new network namespace and returns a loopback port that reaches it.
 */
export async function startGnutlsServ(dir: string, cert: string, key: string, priority: string, args: string[] = []): Promise<GnutlsServ> {
  const sock = join(dir, `gnutls-${process.pid}-${started++}.sock`);
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const serv = ['gnutls-serv', '-q', '-p', String(INNER_PORT), '--x509certfile', cert, '--x509keyfile', key, `--priority=${priority}`, ...args].map(q).join(' ');
  const script = `ip link set lo up && { ${serv} & } && exec ${q(process.execPath)} -e ${q(INNER_RELAY)} ${q(sock)} ${INNER_PORT}`;
  // detached: its own process group (sh → node relay, plus gnutls-serv), stopped together by that id
  const proc = spawn('unshare', ['--net', 'sh', '-c', script], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const inner = createConnection(sock);
    for (const s of [client, inner]) { open.add(s); s.on('close', () => open.delete(s)); }
    pipeBoth(client, inner);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const stop = async (): Promise<void> => {
    for (const s of open) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    if (proc.exitCode === null && proc.pid) {
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
  };
  try {
    await ready(port, proc, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, stop };
}
