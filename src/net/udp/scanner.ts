/**
 * Many UDP probes at once: bounded concurrency, an optional token-bucket rate
 * (every datagram, retries included, takes a token), and results streamed in
 * completion order. Each probe holds one socket, so running out of file
 * descriptors is expected at high concurrency: a probe that cannot get a
 * socket goes back in the queue, the concurrency limit drops to what the
 * process could hold (then creeps back up), and launching pauses with an
 * exponential backoff. Aborting stops launching, closes every socket, and
 * ends the iteration after the results already finished.
 */
import { setMaxListeners } from 'node:events';
import { UsageError, WasmapError } from '../../errors.js';
import { TokenBucket } from '../token-bucket.js';
import { abortableSleep, attemptProbe, checkTarget, checkTiming, isShortage, type UdpHost, type UdpProbeResult } from './probe.js';
import { udpPayload, type UdpPayload } from './payloads.js';

export interface UdpScanTarget {
  host: UdpHost;
  port: number;
  /** what to send instead of `udpPayload(port)` */
  payload?: UdpPayload;
}

export interface UdpScannerOptions {
  /** probes (sockets) in flight at most */
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** datagrams per second, retries included; unset or 0 means no limit */
  rate?: number;
}

/** Out of fds with nothing in flight for this long: the process is stuck, say so. */
const SHORTAGE_GIVE_UP_MS = 30_000;
const BACKOFF_MIN_MS = 10;
const BACKOFF_MAX_MS = 1000;

export class UdpScanner {
  readonly #opts: Readonly<UdpScannerOptions>;

  constructor(opts: UdpScannerOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new UsageError(`concurrency must be a positive integer, got ${opts.concurrency}`);
    if (opts.rate !== undefined && !(opts.rate >= 0)) throw new UsageError(`rate must be a non-negative number, got ${opts.rate}`);
    checkTiming(opts);
    this.#opts = Object.freeze({ ...opts });
  }

  /**
   * Probes every target and yields each result as it completes. Throws a
   * UsageError for a malformed target, and ends quietly (after the results
   * already finished) when `signal` aborts or the caller stops iterating.
   */
  async *scan(probes: AsyncIterable<UdpScanTarget> | Iterable<UdpScanTarget>, signal?: AbortSignal): AsyncGenerator<UdpProbeResult, void, undefined> {
    if (signal?.aborted) return;
    const { concurrency, timeoutMs, retries, rate } = this.#opts;
    const ac = new AbortController();
    const inner = ac.signal;
    setMaxListeners(0, inner); // one abort listener per probe in flight
    const onOuterAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onOuterAbort, { once: true });

    const bucket = rate ? new TokenBucket(rate) : undefined;
    const pace = bucket ? (s?: AbortSignal) => takeToken(bucket, s) : undefined;

    const ready: UdpProbeResult[] = [];
    const retryQueue: UdpScanTarget[] = [];
    let waiters: Array<() => void> = [];
    const changed = () => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    const nextChange = () => new Promise<void>((r) => waiters.push(r));
    inner.addEventListener('abort', changed, { once: true });

    let limit = concurrency;
    let inflight = 0;
    let pumpDone = false;
    let failure: unknown;
    let backoff = BACKOFF_MIN_MS;
    let pauseUntil = 0;
    let lastProgress = performance.now();
    const fail = (e: unknown) => {
      failure ??= e;
      ac.abort();
    };

    const launch = (t: UdpScanTarget) => {
      inflight++;
      const payload = t.payload ?? udpPayload(t.port, t.host.ip);
      attemptProbe(t.host, t.port, { timeoutMs, retries, signal: inner, payload, ...(pace ? { pace } : {}) })
        .then(
          (r) => {
            inflight--;
            if (isShortage(r)) {
              retryQueue.push(t);
              // hold no more sockets than we had when the kernel said no
              limit = Math.max(1, Math.min(limit, inflight));
              const now = performance.now();
              if (inflight === 0 && now - lastProgress > SHORTAGE_GIVE_UP_MS) {
                fail(new WasmapError('WASMAP_INTERNAL', `UDP scan could not get a socket for ${SHORTAGE_GIVE_UP_MS / 1000} s (${r.resource})`));
              }
              // one step of backoff per burst of failures, not one per failed probe
              if (now >= pauseUntil) {
                pauseUntil = now + backoff;
                backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
              }
              return;
            }
            ready.push(r);
            lastProgress = performance.now();
            backoff = BACKOFF_MIN_MS;
            if (limit < concurrency) limit++;
          },
          (e: unknown) => {
            inflight--;
            if (!inner.aborted) fail(e);
          },
        )
        .finally(changed);
    };

    const pump = async () => {
      const it = iteratorOf(probes);
      const aborted = new Promise<void>((r) => inner.addEventListener('abort', () => r(), { once: true }));
      let sourceDone = false;
      try {
        while (!inner.aborted) {
          if (inflight + ready.length >= limit) {
            await nextChange();
            continue;
          }
          const wait = pauseUntil - performance.now();
          if (wait > 0) {
            await Promise.race([abortableSleep(wait, inner).catch(() => {}), aborted]);
            continue;
          }
          let t = retryQueue.shift();
          if (!t) {
            if (sourceDone) {
              if (inflight === 0) break;
              await nextChange();
              continue;
            }
            const n = await Promise.race([it.next(), aborted]);
            if (!n || inner.aborted) break;
            if (n.done) {
              sourceDone = true;
              continue;
            }
            t = n.value;
            checkTarget(t.host, t.port);
          }
          launch(t);
        }
      } catch (e) {
        fail(e);
      } finally {
        pumpDone = true;
        if (!sourceDone) void Promise.resolve(it.return?.()).catch(() => {});
        changed();
      }
    };

    void pump();
    try {
      for (;;) {
        const r = ready.shift();
        if (r) {
          changed(); // a slot freed up
          yield r;
          continue;
        }
        if (failure !== undefined) throw failure;
        if (inner.aborted || (pumpDone && inflight === 0)) return;
        await nextChange();
      }
    } finally {
      signal?.removeEventListener('abort', onOuterAbort);
      ac.abort(); // closes the sockets of probes still in flight
    }
  }
}

async function takeToken(bucket: TokenBucket, signal?: AbortSignal): Promise<void> {
  while (bucket.take(1) < 1) await abortableSleep(Math.max(1, bucket.waitMs()), signal);
}

function iteratorOf<T>(src: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in src ? (src as AsyncIterable<T>)[Symbol.asyncIterator]() : (src as Iterable<T>)[Symbol.iterator]();
}
