import type { Socket as DgramSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * Queued incoming data of one handle. Stream handles read any number of
 * bytes; datagram handles read one message per recv. The socket is paused
 * when too much is queued so a chatty peer cannot fill the host's memory.
 */
export class Inbox {
  chunks: Buffer[] = [];
  queued = 0;
  ended = false;
  error: Error | undefined;
  #waiters: (() => void)[] = [];
  constructor(private readonly onDrain?: () => void, private readonly highWater = 256 << 10) {}

  push(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.queued += chunk.length;
    this.#wake();
    return this.queued < this.highWater;
  }
  end(error?: Error): void {
    this.ended = true;
    this.error ??= error;
    this.#wake();
  }
  ready(): boolean {
    return this.chunks.length > 0 || this.ended;
  }
  /** Resolves when data or end arrives, or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        self.#waiters = self.#waiters.filter((w) => w !== done);
        resolve();
      }
      this.#waiters.push(done);
    });
  }
  /** Up to `max` stream bytes. */
  takeStream(max: number): Buffer {
    const parts: Buffer[] = [];
    let n = 0;
    while (this.chunks.length && n < max) {
      const c = this.chunks[0]!;
      const k = Math.min(max - n, c.length);
      parts.push(c.subarray(0, k));
      n += k;
      if (k < c.length) this.chunks[0] = c.subarray(k);
      else this.chunks.shift();
    }
    this.queued -= n;
    this.onDrain?.();
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
  /** The next whole datagram. */
  takeDatagram(): Buffer | undefined {
    const c = this.chunks.shift();
    if (c) this.queued -= c.length;
    return c;
  }
  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w();
  }
}

export interface StreamHandle {
  kind: 'tcp';
  socket: Socket | TLSSocket;
  inbox: Inbox;
  tls: TLSSocket | undefined;
  /** A tls_upgrade is running: reads and writes wait for it. */
  upgrading: boolean;
}

export interface DatagramHandle {
  kind: 'udp';
  socket: DgramSocket;
  inbox: Inbox;
}

export type Handle = StreamHandle | DatagramHandle;

/** The open handles of one invocation; the connections limit counts them. */
export class HandleTable {
  #next = 1;
  #open = new Map<number, Handle>();
  /** Opens in progress (a connect that has not finished still counts). */
  pending = 0;

  #closed = false;

  /** The invocation has ended: no new connection should start. */
  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#open.size + this.pending;
  }
  /** A new handle id; after closeAll (the invocation ended mid-connect) the handle is destroyed and -6 returned. */
  add(h: Handle): number {
    if (this.#closed) {
      destroy(h);
      return -6;
    }
    const id = this.#next++;
    this.#open.set(id, h);
    return id;
  }
  get(id: number): Handle | undefined {
    return this.#open.get(id);
  }
  close(id: number): boolean {
    const h = this.#open.get(id);
    if (!h) return false;
    this.#open.delete(id);
    destroy(h);
    return true;
  }
  closeAll(): void {
    this.#closed = true;
    for (const h of this.#open.values()) destroy(h);
    this.#open.clear();
  }
}

function destroy(h: Handle): void {
  try {
    if (h.kind === 'tcp') h.socket.destroy();
    else h.socket.close();
  } catch {
    /* already closed */
  }
}
