// UDP (ABI §4 udp_open): each send is one datagram, each recv returns one.
import { EINVAL } from "./errors";
import { host_close, host_recv, host_send, host_udp_open } from "./host";

export class UdpSocket {
  /** Last error code (ABI §8), 0 when the last call succeeded. */
  error: i32 = 0;
  private closed: bool = false;

  private constructor(readonly handle: i32) {}

  /** A socket bound to send to and receive from `host:port`; check `ok`. */
  static open(host: string, port: i32): UdpSocket {
    const h = String.UTF8.encode(host);
    const rc = host_udp_open(changetype<usize>(h), h.byteLength, port);
    const s = new UdpSocket(rc < 0 ? -1 : rc);
    if (rc < 0) { s.error = rc; s.closed = true; }
    return s;
  }

  get ok(): bool { return this.handle >= 0 && !this.closed; }

  /** Sends one datagram; its length, or a negative code. */
  send(datagram: Uint8Array): i32 {
    if (!this.ok) return this.fail(EINVAL);
    const n = host_send(this.handle, datagram.dataStart, datagram.length);
    if (n < 0) return this.fail(n);
    this.error = 0;
    return n;
  }

  /** One datagram (truncated to `max`), or null on error/timeout (`error`). */
  recv(max: i32 = 65535, timeoutMs: i32 = 0): Uint8Array | null {
    if (!this.ok) { this.fail(EINVAL); return null; }
    if (max < 1) max = 1;
    const buf = new Uint8Array(max);
    const n = host_recv(this.handle, buf.dataStart, max, timeoutMs);
    if (n < 0) { this.fail(n); return null; }
    this.error = 0;
    return buf.slice(0, min(n, max));
  }

  close(): i32 {
    if (this.handle < 0 || this.closed) return 0;
    this.closed = true;
    return host_close(this.handle);
  }

  private fail(code: i32): i32 {
    this.error = code;
    return code;
  }
}
