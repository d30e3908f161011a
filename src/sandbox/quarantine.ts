/**
 * Who is blamed when a worker goes down, and what becomes of a plugin that
 * is (ABI A6). Innocent work never pays for a guilty neighbour:
 *
 * - The watchdog knows whose stretch overran: that invocation fails, its
 *   plugin is quarantined, and everything else the worker was running runs
 *   again without counting an attempt.
 * - A worker that dies for another reason (a crash, its JS heap) names no
 *   culprit. When all it was running belonged to one plugin, or it was a
 *   worker dedicated to one plugin, that plugin is the culprit: it is
 *   quarantined and its invocations count an attempt. Otherwise each plugin
 *   it was running goes on probation: its invocations run on a worker of
 *   its own until that worker has nothing left to do, so a second death
 *   names the culprit; nobody counts an attempt.
 * - A quarantined plugin runs on a worker of its own for the rest of the
 *   runtime's life, so it can only take down its own invocations. After
 *   STRIKES stopped or dead workers it is refused at once: a plugin that
 *   spins on every port would otherwise cost cpu_ms per port, one after the
 *   other.
 */
import type { Ending } from './result.js';

/** Workers a plugin may cost before its invocations are refused. */
export const STRIKES = 3;

export type Isolation = 'shared' | 'probation' | 'quarantine';

interface Standing {
  mode: 'probation' | 'quarantine';
  strikes: number;
  /** The limit behind the last strike (`cpu_ms`, `wall_ms`), if the watchdog knew it. */
  limit: string | undefined;
}

export class Quarantine {
  readonly #plugins = new Map<number, Standing>();

  mode(pid: number): Isolation {
    return this.#plugins.get(pid)?.mode ?? 'shared';
  }

  /** The error refusing `pid`'s invocations, once it has used up its strikes. */
  refusal(pid: number): Ending | undefined {
    const r = this.#plugins.get(pid);
    if (!r || r.strikes < STRIKES) return undefined;
    const last = r.limit ? ` (last: ${r.limit})` : '';
    return { error: `quarantined: this plugin stopped its worker ${r.strikes} times${last}; its invocations are refused`, ...(r.limit ? { limit: r.limit } : {}), code: 'sandbox.quarantined' };
  }

  /** The watchdog stopped a worker for an invocation of `pid`. */
  struck(pid: number, limit: string | undefined): void {
    const r = this.#plugins.get(pid);
    if (r) {
      r.mode = 'quarantine';
      r.strikes++;
      r.limit = limit;
    } else this.#plugins.set(pid, { mode: 'quarantine', strikes: 1, limit });
  }

  /**
   * A worker died with no known culprit while running invocations of
   * `pids`; `dedicatedTo` is the plugin it was dedicated to, if any.
   * Returns the culprit, whose invocations count an attempt.
   */
  died(pids: ReadonlySet<number>, dedicatedTo: number | undefined): number | undefined {
    const culprit = dedicatedTo ?? (pids.size === 1 ? pids.values().next().value : undefined);
    if (culprit !== undefined) {
      this.struck(culprit, undefined);
      return culprit;
    }
    for (const pid of pids) if (!this.#plugins.has(pid)) this.#plugins.set(pid, { mode: 'probation', strikes: 0, limit: undefined });
    return undefined;
  }

  /** A plugin on probation whose dedicated worker ran out of work: it was not the culprit. */
  cleared(pid: number): void {
    if (this.#plugins.get(pid)?.mode === 'probation') this.#plugins.delete(pid);
  }

  /** Plugins quarantined so far. */
  quarantined(): number[] {
    return [...this.#plugins].filter(([, r]) => r.mode === 'quarantine').map(([pid]) => pid);
  }

  forget(pid: number): void {
    this.#plugins.delete(pid);
  }
}
