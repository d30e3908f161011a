/**
 * Banner grabbing on open ports: connect, listen first (SSH, SMTP, FTP and
 * many others speak first), and only if the service stays silent send one
 * short generic probe. Bytes are kept raw; nothing is decoded here.
 */
import net from 'node:net';
import type { BannerResult } from '../model/event.js';

export interface BannerOptions {
  connectTimeoutMs: number;
  /** how long to wait for the service to speak first, and then for an answer to the probe */
  readTimeoutMs: number;
  /** bytes kept at most */
  maxBytes: number;
  /** after the first bytes, how long a pause ends the banner */
  quietMs: number;
  probe: Uint8Array;
}

/**
 * An HTTP/1.0 request line is the probe most services answer: web servers
 * reply, and line-based protocols (Redis, SMTP, POP3, …) answer with an error
 * that names them.
 */
const GENERIC_PROBE = new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n');

export const DEFAULT_BANNER_OPTIONS: BannerOptions = {
  connectTimeoutMs: 3000,
  readTimeoutMs: 2000,
  maxBytes: 4096,
  quietMs: 250,
  probe: GENERIC_PROBE,
};

export function grabBanner(
  target: { ip: string; port: number; hostname?: string },
  opts: BannerOptions = DEFAULT_BANNER_OPTIONS,
  signal?: AbortSignal,
): Promise<BannerResult | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let method: 'passive' | 'probe' = 'passive';
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const socket = net.connect({ host: target.ip, port: target.port });

    const finish = (): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      socket.destroy();
      if (size === 0) return resolve(undefined);
      const banner = new Uint8Array(Buffer.concat(chunks, size).subarray(0, opts.maxBytes));
      resolve({ ip: target.ip, port: target.port, hostname: target.hostname, banner, method });
    };
    const arm = (ms: number, then: () => void): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(then, ms);
    };
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', finish, { once: true });

    arm(opts.connectTimeoutMs, finish);
    socket.once('connect', () => {
      arm(opts.readTimeoutMs, () => {
        if (size > 0) return finish();
        method = 'probe';
        socket.write(opts.probe);
        arm(opts.readTimeoutMs, finish);
      });
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size >= opts.maxBytes) return finish();
      arm(opts.quietMs, finish);
    });
    socket.on('error', finish);
    socket.on('close', finish);
  });
}
