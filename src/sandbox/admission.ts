import type { CallContext } from './call-context.js';
import { CpuShare } from './cpu-share.js';
import { MemoryBudget, type Charge } from './memory-budget.js';
import type { MemoryInit } from './wire.js';

/**
 * Worker side: when an invocation may run guest code. Before its first
 * stretch and before each resumption after a wait, its plugin must have its
 * turn (cpu-share.ts) and then the invocation its memory charge
 * (memory-budget.ts). Either wait ends at the invocation's wall time.
 * Plugins are keyed by whatever object the worker registers them as.
 */

/** An invocation as admission sees it: the worker keeps one per invocation. */
export interface Entrant<P> extends Charge {
  readonly ctx: CallContext;
  readonly plugin: P;
  ended: boolean;
}

export class Admission<P extends object> {
  readonly cpu = new CpuShare<P>();
  readonly memory: MemoryBudget;

  constructor(init: MemoryInit, publish: (pages: number) => void, evictIdle: () => boolean) {
    this.memory = new MemoryBudget(init, publish, evictIdle);
  }

  /**
   * Before `e` runs guest code that may grow its memory to `pages`:
   * undefined to run at once, or a promise to wait on, which rejects when
   * the invocation must end instead. Throws when its memory can never fit.
   */
  before(e: Entrant<P>, pages: number): Promise<void> | undefined {
    const turn = this.cpu.wait(e.plugin, e);
    if (!turn) {
      const mem = this.memory.reserve(e, pages);
      return mem && Promise.race([mem, e.ctx.wall()]);
    }
    const admitted = turn.then(() => (e.ended ? undefined : this.memory.reserve(e, pages)));
    return Promise.race([admitted, e.ctx.wall()]);
  }

  /** The invocation ended: its waits are dropped, and whatever it still holds. */
  ended(e: Entrant<P>): void {
    e.ended = true;
    this.cpu.cancel(e);
    this.memory.cancel(e);
    this.memory.release(e);
  }
}
