import { connect, type Socket } from 'node:net';
import { E, netErrno } from '../errno.js';
import { Inbox, type StreamHandle } from './handles.js';
import { readString, resolveInScope, type HostEnv } from './env.js';
import { udpRecv, udpSend } from './udp.js';

/** Wires a socket's events into its inbox (also used after a TLS upgrade). */
export function attachStream(socket: Socket, inbox: Inbox): void {
  socket.on('data', (d: Buffer) => {
    if (!inbox.push(d)) socket.pause();
  });
  socket.on('end', () => inbox.end());
  socket.on('error', (e) => inbox.end(e));
  socket.on('close', () => inbox.end());
}

/** ABI §4 `tcp_connect`, `send`, `recv`, `close`. */
export function tcpImports(env: HostEnv) {
  return {
    tcp_connect(hostPtr: number, hostLen: number, port: number, timeoutMs: number): number | Promise<number> {
      const ctx = env.ctx();
      const host = readString(ctx, hostPtr, hostLen, 255);
      if (host === undefined || port < 1 || port > 65535) return E.INVAL;
      const refused = ctx.chargeOpen();
      if (refused) return refused;
      const timeout = ctx.timeoutMs(timeoutMs);
      ctx.handles.pending++;
      return (async (): Promise<number> => {
        try {
          const dest = await resolveInScope(ctx, 'tcp_connect', host, port);
          if (typeof dest === 'number') return dest;
          if (ctx.handles.closed) return E.BADF; // the invocation ended while resolving
          return await new Promise<number>((resolve) => {
            const socket = connect({ host: dest.ip, port, noDelay: true });
            const timer = setTimeout(() => {
              socket.destroy();
              resolve(E.TIMEDOUT);
            }, timeout);
            socket.once('error', (e) => {
              clearTimeout(timer);
              socket.destroy();
              resolve(netErrno(e));
            });
            socket.once('connect', () => {
              clearTimeout(timer);
              socket.removeAllListeners('error');
              const inbox: Inbox = new Inbox(() => {
                if (inbox.queued < 64 << 10) socket.resume();
              });
              attachStream(socket, inbox);
              const h: StreamHandle = { kind: 'tcp', socket, inbox, tls: undefined, upgrading: false };
              resolve(ctx.handles.add(h));
            });
          });
        } finally {
          ctx.handles.pending--;
        }
      })();
    },

    send(h: number, ptr: number, len: number): number | Promise<number> {
      const ctx = env.ctx();
      const handle = ctx.handles.get(h);
      if (!handle) return E.BADF;
      const v = ctx.view(ptr, len);
      if (!v || len < 0) return E.INVAL;
      if (handle.kind === 'tcp') {
        const s = handle.socket;
        if (handle.upgrading || s.destroyed || !s.writable) return handle.inbox.error ? netErrno(handle.inbox.error) : E.CONNRESET;
      } else if (handle.inbox.ended) return handle.inbox.error ? netErrno(handle.inbox.error) : E.BADF;
      const allowed = ctx.chargeSend(len);
      if (allowed === undefined) return E.LIMIT;
      const data = Buffer.from(v.subarray(0, allowed)); // copy: guest memory may change
      if (handle.kind === 'udp') return udpSend(handle, data);
      const s = handle.socket;
      if (s.write(data)) return data.length;
      // Kernel buffer full: wait for drain (the plugin sees a blocking send).
      return new Promise<number>((resolve) => {
        const timer = setTimeout(() => done(E.TIMEDOUT), ctx.timeoutMs(0));
        const done = (r: number): void => {
          clearTimeout(timer);
          s.off('drain', onDrain);
          s.off('close', onClose);
          resolve(r);
        };
        const onDrain = (): void => done(data.length);
        const onClose = (): void => done(E.CONNRESET);
        s.on('drain', onDrain);
        s.on('close', onClose);
      });
    },

    recv(h: number, ptr: number, cap: number, timeoutMs: number): number | Promise<number> {
      const ctx = env.ctx();
      const handle = ctx.handles.get(h);
      if (!handle) return E.BADF;
      if (cap < 0 || !ctx.view(ptr, cap)) return E.INVAL;
      if (handle.kind === 'udp') return udpRecv(ctx, handle, ptr, cap, timeoutMs);
      const take = (): number => {
        if (handle.inbox.chunks.length === 0) {
          if (handle.inbox.error) return netErrno(handle.inbox.error);
          return 0; // peer closed
        }
        return ctx.chargeRecv(cap, (max) => {
          const data = handle.inbox.takeStream(max);
          return ctx.write(ptr, data) ? data.length : E.INVAL; // memory may have changed while waiting
        });
      };
      if (cap === 0) return 0;
      if (handle.inbox.ready() && !handle.upgrading) return take();
      const timeout = ctx.timeoutMs(timeoutMs);
      return handle.inbox.wait(timeout).then(() => (handle.inbox.ready() && !handle.upgrading ? take() : E.TIMEDOUT));
    },

    close(h: number): number {
      return env.ctx().handles.close(h) ? 0 : E.BADF;
    },
  };
}
