import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginRuntime } from '../../../src/sandbox/index.js';
import type { RuntimeOptions } from '../../../src/sandbox/index.js';
import { buildWorker } from './worker-build.js';

/** A runtime whose workers run the transpiled sources and whose cache is private. */
export function testRuntime(opts: RuntimeOptions = {}): PluginRuntime {
  return new PluginRuntime({ workers: 2, workerScript: buildWorker(), cacheDir: tempDir('cache'), ...opts });
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `wasmap-${tag}-`));
}

export interface TestServer {
  port: number;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

/** A TCP server on `host` (loopback) calling `onConn` per connection. */
export async function tcpServer(onConn: (s: Socket) => void, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConn(s);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return {
    port: addr.port,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Replies "ECHO <line>" to each line. */
export const echoServer = (host?: string): Promise<TestServer> =>
  tcpServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        s.write(`ECHO ${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
      }
    });
  }, host);

/** Accepts and never says anything. */
export const silentServer = (host?: string): Promise<TestServer> => tcpServer(() => {}, host);
