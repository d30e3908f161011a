/**
 * A token bucket for probe rates. Tokens refill continuously at `rate` per
 * second up to `burst`; a rate of 0 or Infinity means "no limit". Time is
 * passed in so the bucket has no timers of its own.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(readonly rate: number, readonly burst = Math.max(1, Math.ceil(rate / 50)), now = performance.now()) {
    this.tokens = this.burst;
    this.last = now;
  }

  get unlimited(): boolean {
    return !(this.rate > 0) || !Number.isFinite(this.rate);
  }

  /** Takes up to `want` tokens and returns how many were granted. */
  take(want: number, now = performance.now()): number {
    if (this.unlimited) return want;
    this.refill(now);
    const granted = Math.min(want, Math.floor(this.tokens));
    this.tokens -= granted;
    return granted;
  }

  /** Milliseconds until at least one token is available. */
  waitMs(now = performance.now()): number {
    if (this.unlimited) return 0;
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}
