import { createSocket } from 'node:dgram';
import type { CallContext } from '../call-context.js';
import { E, netErrno } from '../errno.js';
import { Inbox, type DatagramHandle } from './handles.js';
import { readString, resolveInScope, type HostEnv } from './env.js';

/** At most this many datagrams wait unread; later ones are dropped (UDP may drop). */
const MAX_QUEUED_DATAGRAMS = 1024;

/** ABI §4 `udp_open`: a socket connected to one in-scope peer. */
export function udpImports(env: HostEnv) {
  return {
    udp_open(hostPtr: number, hostLen: number, port: number): number | Promise<number> {
      const ctx = env.ctx();
      const host = readString(ctx, hostPtr, hostLen, 255);
      if (host === undefined || port < 1 || port > 65535) return E.INVAL;
      const refused = ctx.chargeOpen();
      if (refused) return refused;
      ctx.handles.pending++;
      return (async (): Promise<number> => {
        try {
          const dest = await resolveInScope(ctx, 'udp_open', host, port);
          if (typeof dest === 'number') return dest;
          if (ctx.handles.closed) return E.BADF; // the invocation ended while resolving
          const socket = createSocket(dest.family === 6 ? 'udp6' : 'udp4');
          const inbox = new Inbox();
          socket.on('message', (m: Buffer) => {
            if (inbox.chunks.length < MAX_QUEUED_DATAGRAMS) inbox.push(m);
          });
          socket.on('error', (e) => inbox.end(e));
          socket.on('close', () => inbox.end());
          return await new Promise<number>((resolve) => {
            socket.once('error', (e) => {
              socket.close();
              resolve(netErrno(e));
            });
            socket.connect(port, dest.ip, () => {
              socket.removeAllListeners('error');
              socket.on('error', (e) => inbox.end(e));
              const h: DatagramHandle = { kind: 'udp', socket, inbox };
              resolve(ctx.handles.add(h));
            });
          });
        } finally {
          ctx.handles.pending--;
        }
      })();
    },
  };
}

/** One datagram, already charged by the caller (send). */
export function udpSend(h: DatagramHandle, data: Buffer): number {
  // Datagram sends do not block the plugin; a later error shows on recv.
  h.socket.send(data, (err) => {
    if (err) h.inbox.end(err);
  });
  return data.length;
}

/** One datagram; a longer one is truncated to `cap` (the rest is lost, as with recv(2)). */
export function udpRecv(ctx: CallContext, h: DatagramHandle, ptr: number, cap: number, timeoutMs: number): number | Promise<number> {
  const take = (): number => {
    if (h.inbox.chunks.length === 0) return h.inbox.error ? netErrno(h.inbox.error) : E.TIMEDOUT;
    return ctx.chargeRecv(cap, (max) => {
      const part = h.inbox.takeDatagram()!.subarray(0, max);
      return ctx.write(ptr, part) ? part.length : E.INVAL;
    });
  };
  if (h.inbox.ready()) return take();
  return h.inbox.wait(ctx.timeoutMs(timeoutMs)).then(take);
}
