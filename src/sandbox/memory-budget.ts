import { totalmem } from 'node:os';
import { LimitExceeded } from './traps.js';
import type { MemoryInit } from './wire.js';

/**
 * The plugin memory budget: linear memories of live and idle instances, per
 * worker and summed over the pool, stay under a budget (ABI A6).
 *
 * A guest grows its memory inside wasm (`memory.grow`), where the host
 * cannot step in, and a grown memory never shrinks. So an instance that may
 * run guest code is charged its cap (the most its memory can grow to), and
 * an instance that cannot (suspended in a waiting call, or idle) is charged
 * what its memory holds, measured when it stopped. Only the instances
 * running right now pay for their headroom: a thousand sessions suspended
 * in `recv` cost what they hold, not a thousand caps, and the sum of real
 * memories can never pass the charges. An instance gets its charge before
 * it runs (a new invocation, or a resumption after a wait) or waits for it,
 * any waiter that fits being served first; when its cap alone is over a
 * budget, waiting cannot help and it fails at once (`memory_total`).
 *
 * Waits cannot deadlock: of the suspended instances, the one that ran last
 * got its charge when everything else held at most what it holds now, so
 * once the invocations that ran after it have ended (and idle instances,
 * evicted on demand in every worker, are gone) it fits again. Every wait
 * is bounded by the invocation's wall time anyway.
 *
 * Counts are in 64 KiB pages. The pool-wide count lives in a
 * SharedArrayBuffer updated with Atomics; each worker also publishes what
 * it holds in its heartbeat, so the pool can release a dead worker's share.
 */

export const PAGE = 65536;
const PAGES_PER_MB = (1 << 20) / PAGE;

/** Int32 slots of the pool-wide count: pages charged, most ever charged at once, wake-ups, workers waiting, eviction requests. */
export const MEM_USED = 0;
export const MEM_PEAK = 1;
export const MEM_WAKE = 2;
export const MEM_WAITING = 3;
export const MEM_PRESSURE = 4;
export const MEM_SLOTS = 5;

/** Default pool-wide budget: half of the machine's memory, or of the cgroup's limit when lower. */
export function defaultMemoryBudgetMb(): number {
  let bytes = totalmem();
  const limit = process.constrainedMemory?.(); // 0 or 2^64 when unconstrained
  if (limit > 0 && limit < bytes) bytes = limit;
  return Math.max(1, Math.floor(bytes / 2 / (1 << 20)));
}

export const mbToPages = (mb: number): number => Math.floor(mb * PAGES_PER_MB);
export const pagesToMb = (pages: number): number => pages / PAGES_PER_MB;

/** Why an instance could not have its memory: `plugin memory budget of N MiB exhausted`. */
export class MemoryBudgetExceeded extends LimitExceeded {
  constructor(budgetPages: number, detail: string) {
    super('memory_total', `plugin memory budget of ${formatMb(budgetPages)} MiB exhausted: ${detail}`);
  }
}

const formatMb = (pages: number): string => String(Math.round(pagesToMb(pages) * 100) / 100);

/** Takes `pages` from the pool-wide count if the total allows it. */
function reservePool(shared: Int32Array, pages: number, totalPages: number): boolean {
  let cur = Atomics.load(shared, MEM_USED);
  for (;;) {
    if (cur + pages > totalPages) return false;
    const seen = Atomics.compareExchange(shared, MEM_USED, cur, cur + pages);
    if (seen === cur) break;
    cur = seen;
  }
  const now = cur + pages;
  let peak = Atomics.load(shared, MEM_PEAK);
  while (now > peak) {
    const seen = Atomics.compareExchange(shared, MEM_PEAK, peak, now);
    if (seen === peak) break;
    peak = seen;
  }
  return true;
}

/** Gives `pages` back to the pool-wide count and wakes the workers waiting for memory. */
export function releasePool(shared: Int32Array, pages: number): void {
  if (pages <= 0) return;
  Atomics.sub(shared, MEM_USED, pages);
  if (Atomics.load(shared, MEM_WAITING) > 0) {
    Atomics.add(shared, MEM_WAKE, 1);
    Atomics.notify(shared, MEM_WAKE);
  }
}

/** Atomics.waitAsync (V8; Node >= 16), which the project's ES2022 lib does not declare. */
type WaitAsync = (a: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync.bind(Atomics);

/** What an invocation holds of the budget: a record the worker keeps per invocation (no map on the hot path). */
export interface Charge {
  pages: number;
}

interface Waiter {
  charge: Charge;
  pages: number;
  resolve(): void;
}

/**
 * One worker's side of the budget. Invocations hold Charges; idle instances
 * are counted by the worker, which hands their pages over (an instance
 * taken from or going to the idle pool keeps its pages counted) or gives
 * them back (`give`) when it drops them.
 */
export class MemoryBudget {
  readonly #shared: Int32Array;
  readonly #workerPages: number;
  readonly #totalPages: number;
  #used = 0;
  #queue: Waiter[] = [];
  #counted = false;
  #wakeArmed = false;

  /**
   * `publish` mirrors the worker's pages for the pool; `evictIdle` drops
   * the worker's idle instances (giving their pages back) and says whether
   * it dropped any.
   */
  constructor(
    init: MemoryInit,
    private readonly publish: (pages: number) => void,
    private readonly evictIdle: () => boolean,
  ) {
    this.#shared = new Int32Array(init.shared);
    this.#workerPages = init.workerPages;
    this.#totalPages = init.totalPages;
    this.#listenPressure(Atomics.load(this.#shared, MEM_PRESSURE));
  }

  /** Whether an invocation of this worker waits for memory (an instance going idle should rather be dropped). */
  get waiting(): boolean {
    return this.#queue.length > 0;
  }

  /**
   * Before the holder of `c` runs guest code that may grow its memory to
   * `pages`: undefined when `c` is raised at once, else a promise resolved
   * when it is. Throws MemoryBudgetExceeded when waiting cannot help.
   */
  reserve(c: Charge, pages: number): Promise<void> | undefined {
    if (pages > this.#workerPages) throw new MemoryBudgetExceeded(this.#workerPages, `this plugin's memory may grow to ${formatMb(pages)} MiB, more than a worker's share`);
    if (pages > this.#totalPages) throw new MemoryBudgetExceeded(this.#totalPages, `this plugin's memory may grow to ${formatMb(pages)} MiB`);
    if (this.#raise(c, pages)) return undefined;
    if (this.evictIdle() && this.#raise(c, pages)) return undefined;
    return new Promise<void>((resolve) => {
      this.#queue.push({ charge: c, pages, resolve });
      this.#waiting();
    });
  }

  /** Sets `c` to what its instance's memory holds now that it stopped running (at most what it reserved). */
  settle(c: Charge, pages: number): void {
    const d = c.pages - pages;
    c.pages = pages;
    if (d > 0) this.give(d);
    else if (d < 0) this.#force(-d);
  }

  /** Gives back all of `c`. */
  release(c: Charge): void {
    const d = c.pages;
    c.pages = 0;
    this.give(d);
  }

  /** Drops `c`'s wait, if any (its invocation ended). */
  cancel(c: Charge): void {
    if (this.#queue.length === 0) return;
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((w) => w.charge !== c);
    if (this.#queue.length !== before) this.#waiting();
  }

  /** Pages that nothing holds any more (a dropped instance). */
  give(pages: number): void {
    if (pages <= 0) return;
    this.#used -= pages;
    this.publish(this.#used);
    releasePool(this.#shared, pages);
    this.#pump();
  }

  /** Raises `c` to `pages` when both budgets allow it. */
  #raise(c: Charge, pages: number): boolean {
    const d = pages - c.pages;
    if (d <= 0) return true;
    if (this.#used + d > this.#workerPages || !reservePool(this.#shared, d, this.#totalPages)) return false;
    // Pool count first, then the published share: a worker stopped in
    // between leaks pages from the budget, never lets it be overrun.
    this.#used += d;
    this.publish(this.#used);
    c.pages = pages;
    return true;
  }

  /** Counts pages a memory holds even past the budget (it is what the memory holds). */
  #force(pages: number): void {
    Atomics.add(this.#shared, MEM_USED, pages);
    this.#used += pages;
    this.publish(this.#used);
  }

  /** Grants every waiter that fits, oldest first. */
  #pump(): void {
    if (this.#queue.length === 0) return;
    const granted: Waiter[] = [];
    this.#queue = this.#queue.filter((w) => {
      if (!this.#raise(w.charge, w.pages)) return true;
      granted.push(w);
      return false;
    });
    for (const w of granted) w.resolve();
    this.#waiting(); // may drop idle instances, which pumps again
  }

  /** Keeps the pool-wide bookkeeping of this worker's waiters in step with its queue. */
  #waiting(): void {
    const waiting = this.#queue.length > 0;
    if (waiting !== this.#counted) {
      this.#counted = waiting;
      Atomics.add(this.#shared, MEM_WAITING, waiting ? 1 : -1);
    }
    if (!waiting) return;
    if (this.evictIdle()) return this.#pump();
    // A waiter this worker's share has room for is blocked by the pool's
    // total: ask the other workers to drop their idle instances.
    if (this.#queue.some((w) => this.#used - w.charge.pages + w.pages <= this.#workerPages)) {
      Atomics.add(this.#shared, MEM_PRESSURE, 1);
      Atomics.notify(this.#shared, MEM_PRESSURE);
    }
    // Look again whenever memory is released anywhere in the pool.
    this.#armWake();
  }

  #armWake(): void {
    if (this.#wakeArmed) return;
    const w = waitAsync(this.#shared, MEM_WAKE, Atomics.load(this.#shared, MEM_WAKE));
    this.#wakeArmed = true;
    const again = (): void => {
      this.#wakeArmed = false;
      this.#pump();
      if (this.#queue.length) this.#armWake();
    };
    if (w.async) void w.value.then(again);
    else setImmediate(again);
  }

  /** Drops this worker's idle instances whenever another worker waits for memory. */
  #listenPressure(seen: number): void {
    const w = waitAsync(this.#shared, MEM_PRESSURE, seen);
    const on = (): void => {
      const now = Atomics.load(this.#shared, MEM_PRESSURE);
      this.evictIdle();
      this.#listenPressure(now);
    };
    if (w.async) void w.value.then(on);
    else setImmediate(on);
  }
}
