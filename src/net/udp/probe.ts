/**
 * One UDP probe: a connected `node:dgram` socket sends the port's payload and
 * waits. Connecting matters twice: the kernel only passes us datagrams from
 * the target ip:port, and it reports ICMP errors for the socket (see
 * outcome.ts), which is how a closed port shows itself. States follow nmap:
 * a reply is `open`, ICMP port unreachable `closed`, other ICMP unreachables
 * `filtered`, and silence after every retry `open|filtered`.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, WasmapError } from '../../errors.js';
import type { PortResult } from '../../model/event.js';
import { errnoOf, verdictOf } from './outcome.js';
import { udpPayload, type UdpPayload } from './payloads.js';

export interface UdpHost {
  ip: string;
  family: 4 | 6;
  hostname?: string;
}

export interface UdpProbeOptions {
  /** how long to wait for an answer after each send */
  timeoutMs: number;
  /** extra sends when nothing came back (never after an answer or an ICMP error) */
  retries: number;
  signal?: AbortSignal;
  /** what to send instead of `udpPayload(port)` */
  payload?: UdpPayload;
}

export type UdpProbeResult = PortResult & { response?: Uint8Array };

/** A reply is hostile input: keep at most this much of it. */
export const MAX_RESPONSE_BYTES = 4096;

/** The probe ran out of a local resource before it had an answer. */
export interface ResourceShortage {
  resource: string;
}

export interface AttemptOptions extends UdpProbeOptions {
  payload: UdpPayload;
  /** awaited before every send; the scanner's rate limit lives here */
  pace?: (signal?: AbortSignal) => Promise<void>;
}

export function checkTarget(host: UdpHost, port: number): void {
  if (net.isIP(host.ip) !== host.family) throw new UsageError(`not an IPv${host.family} address: ${host.ip}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`UDP port out of range: ${port}`);
}

export function checkTiming(opts: { timeoutMs: number; retries: number }): void {
  if (!(opts.timeoutMs > 0) || !Number.isFinite(opts.timeoutMs)) throw new UsageError(`timeoutMs must be a positive number, got ${opts.timeoutMs}`);
  if (!Number.isInteger(opts.retries) || opts.retries < 0) throw new UsageError(`retries must be a non-negative integer, got ${opts.retries}`);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** Waits `ms`; on abort rejects with the signal's own reason, like the probe does. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw abortReason(signal);
    throw e;
  }
}

/**
 * One attempt with its own socket. Resolves with a result, or with a
 * ResourceShortage when the socket could not be made or used (EMFILE and
 * friends) so the caller can back off and try again; rejects on abort.
 */
export function attemptProbe(host: UdpHost, port: number, opts: AttemptOptions): Promise<UdpProbeResult | ResourceShortage> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const type = host.family === 6 ? 'udp6' : 'udp4';
    const anyPort = opts.payload.replyFromAnyPort === true;
    const sock = dgram.createSocket({ type, reuseAddr: anyPort });
    // the unconnected twin for protocols that answer from a fresh port (TFTP)
    let twin: dgram.Socket | undefined;
    const base = { ip: host.ip, port, transport: 'udp' as const, ...(host.hostname !== undefined ? { hostname: host.hostname } : {}) };
    let settled = false;
    let sends = 0;
    let started = 0;
    let timer: NodeJS.Timeout | undefined;

    const cleanup = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      for (const s of twin ? [sock, twin] : [sock]) {
        s.removeAllListeners('message');
        // a late ICMP error must not become an unhandled 'error' event
        s.removeAllListeners('error');
        s.on('error', () => {});
        try {
          s.close();
        } catch {
          // already closed
        }
      }
    };
    const done = (r: UdpProbeResult | ResourceShortage) => {
      if (settled) return;
      cleanup();
      resolve(r);
    };
    const rtt = () => (started ? { rtt_ms: Math.round((performance.now() - started) * 1000) / 1000 } : {});
    const onError = (e: unknown) => {
      const v = verdictOf(errnoOf(e));
      if (v.kind === 'resource') done({ resource: v.code });
      else done({ ...base, state: v.state, reason: v.reason, ...(v.reason === 'error' ? {} : rtt()) });
    };
    const onAbort = () => {
      if (settled) return;
      cleanup();
      reject(abortReason(signal!));
    };

    const send = async () => {
      try {
        await opts.pace?.(signal);
      } catch (e) {
        if (!settled) {
          cleanup();
          reject(e);
        }
        return;
      }
      if (settled) return;
      sends++;
      if (!started) started = performance.now();
      sock.send(opts.payload.payload, (err) => {
        if (settled) return;
        if (err) return onError(err);
        timer = setTimeout(onTimeout, opts.timeoutMs);
      });
    };
    const onTimeout = () => {
      timer = undefined;
      if (settled) return;
      if (sends <= opts.retries) void send();
      else done({ ...base, state: 'open|filtered', reason: 'no-response' });
    };

    const onMessage = (msg: Buffer) => {
      // a plain copy, so the kept bytes do not pin the 64 KiB receive buffer
      const response = new Uint8Array(msg.subarray(0, MAX_RESPONSE_BYTES));
      done({ ...base, state: 'open', reason: 'udp-response', ...rtt(), response });
    };
    const connect = () => {
      try {
        sock.connect(port, host.ip, (err?: Error) => {
          if (settled) return;
          if (err) return onError(err);
          void send();
        });
      } catch (e) {
        onError(e);
      }
    };
    sock.on('message', onMessage);
    sock.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (!anyPort) return connect();

    // Both sockets share one local port (SO_REUSEADDR). The kernel hands a
    // datagram from the target's own ip:port to the connected socket, which
    // also gets the ICMP errors; one from another port of the same host can
    // only match the unconnected twin. Anyone else's datagrams are dropped.
    const fromTarget = sameAddress(host);
    const wildcard = host.family === 6 ? '::' : '0.0.0.0';
    sock.bind({ port: 0, address: wildcard, exclusive: true }, () => {
      if (settled) return;
      const t = dgram.createSocket({ type, reuseAddr: true });
      twin = t;
      t.on('error', onError);
      t.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
        if (fromTarget(rinfo.address)) onMessage(msg);
      });
      t.bind({ port: sock.address().port, address: wildcard, exclusive: true }, () => {
        if (!settled) connect();
      });
    });
  });
}

/** A matcher for the target's address that ignores spelling (`::1` vs `0:0::1`). */
function sameAddress(host: UdpHost): (addr: string) => boolean {
  const kind = host.family === 6 ? 'ipv6' : 'ipv4';
  try {
    const list = new net.BlockList();
    list.addAddress(host.ip, kind);
    return (addr) => list.check(addr, kind);
  } catch {
    return (addr) => addr === host.ip; // e.g. a zone id BlockList does not take
  }
}

export function isShortage(r: UdpProbeResult | ResourceShortage): r is ResourceShortage {
  return 'resource' in r;
}

/** How long a lone probe keeps retrying while the process is out of fds. */
const SHORTAGE_GIVE_UP_MS = 30_000;

/**
 * Probes one UDP port. Sends `opts.payload` or the port's well-known payload
 * (`udpPayload`), once plus `retries` times on silence. When the process is
 * out of file descriptors it backs off and tries again, giving up with
 * WASMAP_INTERNAL after 30 s. Rejects with the signal's reason on abort.
 */
export async function udpProbe(host: UdpHost, port: number, opts: UdpProbeOptions): Promise<UdpProbeResult> {
  checkTarget(host, port);
  checkTiming(opts);
  const payload = opts.payload ?? udpPayload(port, host.ip);
  const first = performance.now();
  for (let backoff = 10; ; backoff = Math.min(backoff * 2, 1000)) {
    const r = await attemptProbe(host, port, { ...opts, payload });
    if (!isShortage(r)) return r;
    if (performance.now() - first > SHORTAGE_GIVE_UP_MS) {
      throw new WasmapError('WASMAP_INTERNAL', `UDP probe of ${host.ip}:${port} could not get a socket for 30 s (${r.resource})`);
    }
    await abortableSleep(backoff, opts.signal);
  }
}
