import { isIP } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { E } from '../errno.js';
import { encode } from '../msgpack.js';
import { Inbox } from './handles.js';
import { readString, type HostEnv } from './env.js';
import { attachStream } from './tcp.js';

/** The peer's chain as DER, leaf first, following issuerCertificate until it repeats. */
function chainOf(s: TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  let c: DetailedPeerCertificate | PeerCertificate | undefined = s.getPeerCertificate(true);
  const seen = new Set<string>();
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new Uint8Array(c.raw));
    c = (c as DetailedPeerCertificate).issuerCertificate;
    if (out.length >= 16) break;
  }
  return out;
}

/**
 * ABI §4 `tls_upgrade` and `tls_info`. Scanners must see every certificate,
 * so verification is off (rejectUnauthorized false); SNI is what the plugin
 * passes (none for sni_len 0, and never an IP literal).
 */
export function tlsImports(env: HostEnv) {
  return {
    tls_upgrade(h: number, sniPtr: number, sniLen: number, timeoutMs: number): number | Promise<number> {
      const ctx = env.ctx();
      const handle = ctx.handles.get(h);
      if (!handle) return E.BADF;
      if (handle.kind !== 'tcp' || handle.tls || handle.upgrading) return E.INVAL;
      const sni = sniLen === 0 ? '' : readString(ctx, sniPtr, sniLen, 255);
      if (sni === undefined) return E.INVAL;
      const raw = handle.socket;
      if (raw.destroyed) return E.CONNRESET;
      handle.upgrading = true;
      raw.removeAllListeners('data');
      raw.removeAllListeners('end');
      raw.removeAllListeners('error');
      raw.removeAllListeners('close');
      raw.on('error', () => {});
      return new Promise<number>((resolve) => {
        const s = tlsConnect({
          socket: raw,
          servername: sni && !isIP(sni) ? sni : undefined,
          rejectUnauthorized: false,
        });
        const timer = setTimeout(() => done(E.TIMEDOUT), ctx.timeoutMs(timeoutMs));
        const done = (r: number): void => {
          clearTimeout(timer);
          handle.upgrading = false;
          if (r !== 0) {
            s.destroy();
            handle.inbox.end(new Error('tls handshake failed'));
          }
          resolve(r);
        };
        s.once('error', () => done(E.TLS));
        s.once('secureConnect', () => {
          s.removeAllListeners('error');
          const inbox: Inbox = new Inbox(() => {
            if (inbox.queued < 64 << 10) s.resume();
          });
          attachStream(s, inbox);
          handle.socket = s;
          handle.tls = s;
          handle.inbox = inbox;
          done(0);
        });
      });
    },

    tls_info(h: number, outPtr: number, outCap: number): number {
      const ctx = env.ctx();
      const handle = ctx.handles.get(h);
      if (!handle) return E.BADF;
      if (handle.kind !== 'tcp' || !handle.tls) return E.INVAL;
      const s = handle.tls;
      const info = encode({
        version: s.getProtocol() ?? null,
        cipher: s.getCipher()?.name ?? null,
        alpn: s.alpnProtocol || null,
        chain: chainOf(s),
      });
      if (outCap < 0 || !ctx.view(outPtr, outCap)) return E.INVAL;
      ctx.write(outPtr, info.subarray(0, Math.min(outCap, info.length)));
      return info.length;
    },
  };
}
