/**
 * The connect-scan loop of one thread: keeps up to `concurrency` connects in
 * flight, paces launches with a token bucket, times attempts out, retries only
 * timeouts, and backs off when the process runs out of file descriptors
 * instead of failing. All attempts share one timeout, so deadlines are in
 * launch order and a FIFO replaces per-connect timers.
 */
import { TokenBucket } from './token-bucket.js';
import { classify, Outcome } from './connect-outcome.js';
import type { Connector } from './tcp-connect.js';

export interface Probe {
  hostIndex: number;
  ip: string;
  family: 4 | 6;
  port: number;
}

export interface ProbeLoopOptions {
  concurrency: number;
  /** probes per second for this loop; 0 = unlimited */
  rate: number;
  timeoutMs: number;
  /** extra attempts after a timeout */
  retries: number;
}

export type ProbeSink = (probe: Probe, outcome: Outcome, rttMs: number) => void;

interface InFlight {
  probe: Probe;
  attempt: number;
  start: number;
  deadline: number;
  abort: (() => void) | undefined;
  settled: boolean;
}

const MIN_CONCURRENCY = 8;

export class ProbeLoop {
  private limit: number;
  private active = 0;
  private readonly fifo: InFlight[] = [];
  private fifoHead = 0;
  private readonly retryQueue: { probe: Probe; attempt: number }[] = [];
  private readonly bucket: TokenBucket;
  private sourceDone = false;
  private stopped = false;
  private pausedUntil = 0;
  private wake: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private finish!: () => void;
  private sinceShrink = 0;

  constructor(
    private readonly connector: Connector,
    private readonly next: () => Probe | undefined,
    private readonly opts: ProbeLoopOptions,
    private readonly sink: ProbeSink,
    private readonly warn: (message: string) => void,
  ) {
    this.limit = Math.max(1, opts.concurrency);
    this.bucket = new TokenBucket(opts.rate);
  }

  run(): Promise<void> {
    return new Promise((resolve) => {
      this.finish = resolve;
      const sweepEvery = Math.max(5, Math.min(50, Math.floor(this.opts.timeoutMs / 10)));
      this.sweeper = setInterval(() => this.sweep(), sweepEvery);
      this.pump();
    });
  }

  /** Stops launching and abandons what is in flight (it was not found yet). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (let i = this.fifoHead; i < this.fifo.length; i++) {
      const f = this.fifo[i]!;
      if (!f.settled) {
        f.settled = true;
        f.abort?.();
      }
    }
    this.active = 0;
    this.end();
  }

  private end(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.wake) clearTimeout(this.wake);
    this.sweeper = this.wake = undefined;
    this.finish?.();
  }

  private take(): { probe: Probe; attempt: number } | undefined {
    const retry = this.retryQueue.shift();
    if (retry) return retry;
    if (this.sourceDone) return undefined;
    const probe = this.next();
    if (!probe) {
      this.sourceDone = true;
      return undefined;
    }
    return { probe, attempt: 0 };
  }

  private pump(): void {
    if (this.stopped) return;
    const now = performance.now();
    if (now < this.pausedUntil) return this.schedule(this.pausedUntil - now);
    let room = this.limit - this.active;
    if (room > 0) {
      room = this.bucket.take(room, now);
      while (room-- > 0) {
        const item = this.take();
        if (!item) break;
        if (!this.launch(item.probe, item.attempt, now)) break;
      }
    }
    if (this.active === 0 && this.sourceDone && this.retryQueue.length === 0) return this.end();
    if (this.active < this.limit && !(this.sourceDone && this.retryQueue.length === 0)) {
      const wait = this.bucket.waitMs(performance.now());
      if (wait > 0) this.schedule(wait);
    }
  }

  private schedule(ms: number): void {
    if (this.wake) return;
    this.wake = setTimeout(() => {
      this.wake = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(ms)));
  }

  /** Returns false when the process is out of resources and launching should pause. */
  private launch(probe: Probe, attempt: number, now: number): boolean {
    const f: InFlight = { probe, attempt, start: now, deadline: now + this.opts.timeoutMs, abort: undefined, settled: false };
    const started = this.connector.connect(probe.ip, probe.family, probe.port, (outcome) => {
      if (f.settled) return;
      f.settled = true;
      this.active--;
      this.settle(f, classify(outcome));
      this.pump();
    });
    if (typeof started === 'string') {
      f.settled = true;
      const o = classify(started);
      if (o === Outcome.Resource) {
        this.backOff(started);
        this.retryQueue.unshift({ probe, attempt });
        return false;
      }
      this.sink(probe, o, 0);
      return true;
    }
    f.abort = started;
    this.active++;
    this.fifo.push(f);
    return true;
  }

  private settle(f: InFlight, o: Outcome): void {
    if (o === Outcome.Resource) {
      this.backOff('connect');
      this.retryQueue.push({ probe: f.probe, attempt: f.attempt });
      return;
    }
    if (o === Outcome.Timeout && f.attempt < this.opts.retries) {
      this.retryQueue.push({ probe: f.probe, attempt: f.attempt + 1 });
      return;
    }
    if (this.limit < this.opts.concurrency && ++this.sinceShrink >= 200) {
      // Recover slowly after a back-off: one more slot per 200 clean answers.
      this.sinceShrink = 0;
      this.limit++;
    }
    this.sink(f.probe, o, performance.now() - f.start);
  }

  private backOff(cause: string): void {
    const lowered = Math.max(MIN_CONCURRENCY, Math.floor(Math.max(this.active, MIN_CONCURRENCY) * 0.75));
    if (lowered < this.limit) {
      this.limit = lowered;
      this.sinceShrink = 0;
      this.warn(`${cause}: out of sockets or file descriptors; lowering concurrency to ${lowered}`);
    }
    this.pausedUntil = performance.now() + 50;
  }

  private sweep(): void {
    const now = performance.now();
    while (this.fifoHead < this.fifo.length) {
      const f = this.fifo[this.fifoHead]!;
      if (!f.settled) {
        if (f.deadline > now) break;
        f.settled = true;
        f.abort?.();
        this.active--;
        this.settle(f, Outcome.Timeout);
      }
      this.fifoHead++;
    }
    if (this.fifoHead > 4096 && this.fifoHead * 2 > this.fifo.length) {
      this.fifo.splice(0, this.fifoHead);
      this.fifoHead = 0;
    }
    this.pump();
  }
}
