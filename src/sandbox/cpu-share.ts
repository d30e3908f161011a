/**
 * Fair turns for plugins that compute in long stretches, per worker. A guest
 * stretch cannot be preempted, and Node runs every expired timer before it
 * looks at sockets again: three invocations that each compute 900 ms and
 * sleep 1 ms would keep a worker's sockets unread for 2.7 s at a time, and
 * the other invocations there would run out of wall time waiting.
 *
 * Stretches of LONG_MS or more add their length to their plugin's score,
 * which halves every HALF_LIFE_MS; a plugin whose score is HOG_MS or more
 * is a hog, and its next stretch (a resumption or a new invocation) waits
 * for a turn. A single long stretch of a light plugin (its thread preempted
 * on a loaded machine, a GC pause) does not make it a hog. Turns
 * are handed out one per pass of the event loop (setImmediate), so every
 * long stretch is followed by a look at the sockets and timers: the other
 * invocations of the worker wait at most one stretch per host call. Among
 * waiting hogs, the plugin whose last turn is oldest goes first (then its
 * oldest invocation), so one plugin's many invocations count as one.
 * Plugins with short stretches never wait, and a worker with only hogs loses
 * nothing but one event-loop pass per long stretch.
 */

/** Stretches at least this long (ms) count towards their plugin's score; shorter ones cost nothing to track. */
export const LONG_MS = 50;
/** A plugin whose score (ms of long stretches, decayed) reaches this is a hog. */
export const HOG_MS = 300;
/** The score halves every this many ms. */
export const HALF_LIFE_MS = 1000;

interface Waiter<K> {
  key: K;
  owner: object;
  resolve(): void;
}

interface Score {
  ms: number;
  at: number;
}

export class CpuShare<K> {
  readonly #scores = new Map<K, Score>();
  readonly #lastTurn = new Map<K, number>();
  #queue: Waiter<K>[] = [];
  #scheduled = false;

  /** Records a stretch of `ms` (at least LONG_MS) by plugin `key` that just ended. */
  ran(key: K, ms: number): void {
    const now = performance.now();
    const s = this.#scores.get(key);
    if (s) {
      s.ms = decayed(s, now) + ms;
      s.at = now;
    } else this.#scores.set(key, { ms, at: now });
  }

  /**
   * Before a stretch of plugin `key` for `owner` (an invocation): undefined
   * to run at once, or a promise resolved at its turn.
   */
  wait(key: K, owner: object): Promise<void> | undefined {
    const s = this.#scores.get(key);
    if (s === undefined) return undefined;
    if (decayed(s, performance.now()) < HOG_MS) return undefined;
    return new Promise<void>((resolve) => {
      this.#queue.push({ key, owner, resolve });
      this.#schedule();
    });
  }

  /** Forgets the waiter of an invocation that ended while waiting. */
  cancel(owner: object): void {
    if (this.#queue.length) this.#queue = this.#queue.filter((w) => w.owner !== owner);
  }

  /** Forgets a plugin that was dropped. */
  forget(key: K): void {
    this.#scores.delete(key);
    this.#lastTurn.delete(key);
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    let pick = -1;
    let oldest = Infinity;
    for (let i = 0; i < this.#queue.length; i++) {
      const last = this.#lastTurn.get(this.#queue[i]!.key) ?? -Infinity;
      if (last < oldest) {
        oldest = last;
        pick = i;
      }
    }
    if (pick < 0) return;
    const [w] = this.#queue.splice(pick, 1);
    this.#lastTurn.set(w!.key, performance.now());
    // Its stretch runs in the microtasks after this callback; the next turn
    // is an immediate of the next loop pass, after sockets and timers.
    w!.resolve();
    this.#schedule();
  }
}

const decayed = (s: Score, now: number): number => s.ms * 0.5 ** ((now - s.at) / HALF_LIFE_MS);
