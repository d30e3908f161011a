// TCP (and TLS over TCP) for scanners: ABI §4 tcp_connect/send/recv/
// tls_upgrade/tls_info/close behind one class. Calls look blocking; the host
// suspends the instance meanwhile. Failures never trap: a method returns a
// negative code or null and leaves the code in `error` (see errors.ts).
import { EINVAL, ETIMEDOUT } from "./errors";
import { msUntil, nowMs } from "./clock";
import { host_close, host_recv, host_send, host_tcp_connect, host_tls_info, host_tls_upgrade } from "./host";
import { decode } from "./msgpack/reader";

/** What `tls_info` reports about an upgraded connection. */
export class TlsInfo {
  version: string = "";
  cipher: string = "";
  alpn: string = "";
  /** The peer's certificates as DER, leaf first. */
  chain: Array<Uint8Array> = new Array<Uint8Array>(0);
}

export class Socket {
  /** Last error code (ABI §8), 0 when the last call succeeded. */
  error: i32 = 0;
  private pending: Uint8Array = new Uint8Array(0);
  private closed: bool = false;

  private constructor(readonly handle: i32) {}

  /**
   * Connects to `host` (an IP literal or a name the host resolves) within
   * `timeoutMs` (0 = host default, 5 s). Check `ok`/`error` on the result.
   */
  static connect(host: string, port: i32, timeoutMs: i32 = 0): Socket {
    const h = String.UTF8.encode(host);
    const rc = host_tcp_connect(changetype<usize>(h), h.byteLength, port, timeoutMs);
    const s = new Socket(rc < 0 ? -1 : rc);
    if (rc < 0) { s.error = rc; s.closed = true; }
    return s;
  }

  get ok(): bool { return this.handle >= 0 && !this.closed; }

  /** Sends all of `data`; returns its length, or a negative code. */
  send(data: Uint8Array): i32 {
    if (!this.ok) return this.err(this.error != 0 ? this.error : EINVAL);
    let off = 0;
    while (off < data.length) {
      const n = host_send(this.handle, data.dataStart + <usize>off, data.length - off);
      if (n < 0) return this.err(n);
      if (n == 0) return this.err(EINVAL);
      off += n;
    }
    this.error = 0;
    return off;
  }

  sendString(text: string): i32 {
    return this.send(Uint8Array.wrap(String.UTF8.encode(text)));
  }

  /**
   * Up to `max` bytes: buffered ones first, else one host `recv`. An empty
   * array means the peer closed; null means an error (`error`).
   */
  recv(max: i32 = 4096, timeoutMs: i32 = 0): Uint8Array | null {
    if (max < 1) max = 1;
    if (this.pending.length > 0) {
      const n = min(max, this.pending.length);
      const out = this.pending.slice(0, n);
      this.pending = this.pending.slice(n);
      return out;
    }
    const r = this.fill(max, timeoutMs);
    if (r < 0) return null;
    const out = this.pending;
    this.pending = new Uint8Array(0);
    return out;
  }

  /**
   * Bytes up to and including the first `delim`, at most `maxBytes` bytes, within
   * `timeoutMs` overall. Null on error, on timeout (`ETIMEDOUT`), when `maxBytes`
   * is reached (`EINVAL`), or when the peer closes first: then what came is
   * left for `recv`/`readRemaining`.
   */
  readUntil(delim: Uint8Array, maxBytes: i32 = 8192, timeoutMs: i32 = 0): Uint8Array | null {
    if (delim.length == 0) { this.err(EINVAL); return null; }
    const deadline = deadlineAfter(timeoutMs);
    let from = 0;
    while (true) {
      const at = indexOf(this.pending, delim, from);
      if (at >= 0) {
        const end = at + delim.length;
        const out = this.pending.slice(0, end);
        this.pending = this.pending.slice(end);
        this.error = 0;
        return out;
      }
      if (this.pending.length >= maxBytes) { this.err(EINVAL); return null; }
      from = max(0, this.pending.length - delim.length + 1);
      const wait = waitFor(deadline);
      if (wait < 0) { this.err(ETIMEDOUT); return null; }
      const r = this.fill(maxBytes - this.pending.length, wait);
      if (r <= 0) { if (r == 0) this.error = 0; return null; }
    }
  }

  /** One line without its `\n` / `\r\n`, decoded as UTF-8; null as for readUntil. */
  readLine(maxBytes: i32 = 8192, timeoutMs: i32 = 0): string | null {
    const nl = new Uint8Array(1);
    nl[0] = 0x0a;
    const b = this.readUntil(nl, maxBytes, timeoutMs);
    if (b === null) return null;
    let n = b.length - 1;
    if (n > 0 && b[n - 1] == 0x0d) n--;
    return String.UTF8.decodeUnsafe(b.dataStart, <usize>n, false);
  }

  /** Exactly `n` bytes, or null (error, timeout, or peer closed first). */
  readExactly(n: i32, timeoutMs: i32 = 0): Uint8Array | null {
    if (n < 0) { this.err(EINVAL); return null; }
    const deadline = deadlineAfter(timeoutMs);
    while (this.pending.length < n) {
      const wait = waitFor(deadline);
      if (wait < 0) { this.err(ETIMEDOUT); return null; }
      const r = this.fill(n - this.pending.length, wait);
      if (r <= 0) return null;
    }
    const out = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    this.error = 0;
    return out;
  }

  /** Whatever is buffered, then reads until the peer closes, `max` bytes, or a timeout. */
  readRemaining(max: i32 = 65536, timeoutMs: i32 = 0): Uint8Array {
    const deadline = deadlineAfter(timeoutMs);
    while (this.pending.length < max) {
      const wait = waitFor(deadline);
      if (wait < 0) break;
      if (this.fill(max - this.pending.length, wait) <= 0) break;
    }
    const out = this.pending;
    this.pending = new Uint8Array(0);
    return out;
  }

  /** TLS handshake over this connection (direct TLS or after STARTTLS); 0 or a negative code. */
  tlsUpgrade(sni: string = "", timeoutMs: i32 = 0): i32 {
    if (!this.ok) return this.err(this.error != 0 ? this.error : EINVAL);
    this.pending = new Uint8Array(0); // plaintext bytes must not leak into the TLS stream
    const s = String.UTF8.encode(sni);
    const rc = host_tls_upgrade(this.handle, changetype<usize>(s), s.byteLength, timeoutMs);
    if (rc < 0) return this.err(rc);
    this.error = 0;
    return 0;
  }

  /** Version, cipher, ALPN and chain of an upgraded connection; null on error. */
  tlsInfo(): TlsInfo | null {
    if (!this.ok) { this.err(EINVAL); return null; }
    let cap = 16384;
    let buf = new Uint8Array(cap);
    let n = host_tls_info(this.handle, buf.dataStart, cap);
    if (n > cap) { // the host reports the full length: retry once with room
      cap = n;
      buf = new Uint8Array(cap);
      n = host_tls_info(this.handle, buf.dataStart, cap);
    }
    if (n < 0) { this.err(n); return null; }
    const v = decode(buf.subarray(0, min(n, cap)));
    if (v === null || !v.isMap) { this.err(EINVAL); return null; }
    const info = new TlsInfo();
    info.version = v.getString("version");
    info.cipher = v.getString("cipher");
    info.alpn = v.getString("alpn");
    const chain = v.getArray("chain");
    for (let i = 0; i < chain.length; i++) {
      const der = chain[i].asBytes();
      if (der !== null) info.chain.push(der);
    }
    this.error = 0;
    return info;
  }

  /** Closes the handle (also done by the host when the invocation ends). */
  close(): i32 {
    if (this.handle < 0 || this.closed) return 0;
    this.closed = true;
    return host_close(this.handle);
  }

  private err(code: i32): i32 {
    this.error = code;
    return code;
  }

  /** One host recv of up to `cap` bytes appended to `pending`; bytes read, 0 closed, <0 error. */
  private fill(cap: i32, timeoutMs: i32): i32 {
    if (!this.ok) return this.err(this.error != 0 ? this.error : EINVAL);
    if (cap <= 0) cap = 1;
    const buf = new Uint8Array(cap);
    const n = host_recv(this.handle, buf.dataStart, cap, timeoutMs);
    if (n < 0) return this.err(n);
    this.error = 0;
    if (n == 0) return 0;
    const joined = new Uint8Array(this.pending.length + n);
    joined.set(this.pending, 0);
    memory.copy(joined.dataStart + <usize>this.pending.length, buf.dataStart, <usize>n);
    this.pending = joined;
    return n;
  }
}

/** `timeoutMs` from now in `nowMs()` terms; 0 (no deadline: the host default per wait) for 0 or less. */
function deadlineAfter(timeoutMs: i32): i64 { return timeoutMs > 0 ? nowMs() + <i64>timeoutMs : 0; }

/** The wait for one read: 0 (the host default) without a deadline, -1 once it has passed. */
function waitFor(deadline: i64): i32 {
  if (deadline == 0) return 0;
  const left = msUntil(deadline);
  return left == 0 ? -1 : left;
}

/** First index of `needle` in `hay` at or after `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from: i32 = 0): i32 {
  const n = needle.length;
  const last = hay.length - n;
  for (let i = max(0, from); i <= last; i++) {
    let j = 0;
    while (j < n && hay[i + j] == needle[j]) j++;
    if (j == n) return i;
  }
  return -1;
}
