import { isMap } from '../../model/is-map.js';
import { E } from '../errno.js';
import { decodeBounded, MsgpackError } from '../msgpack.js';
import { outputProblem } from '../result.js';
import type { HostEnv } from './env.js';

/** ABI §4 `emit`, `now_ms`, `sleep_ms`, and A10 `time_left_ms`. */
export function emitImports(env: HostEnv) {
  return {
    emit(ptr: number, len: number): number {
      const ctx = env.ctx();
      const v = ctx.view(ptr, len);
      if (!v) return E.INVAL;
      ctx.chargeEmit(v.length); // throws: the emits or output limit ends the invocation
      let rec: unknown;
      try {
        rec = decodeBounded(v, { maxBytes: ctx.limits.output_bytes, maxDepth: 32, maxItems: 1 << 20 });
      } catch (e) {
        if (e instanceof MsgpackError) {
          const m = `emit refused: ${e.message}`;
          ctx.log(2, m, m.length);
          return E.INVAL;
        }
        throw e;
      }
      if (!isMap(rec)) return E.INVAL;
      const problem = outputProblem(rec);
      if (problem) {
        const m = `emit refused: ${problem}`;
        ctx.log(2, m, m.length);
        return E.INVAL;
      }
      ctx.emitted.push(rec);
      ctx.onEmit(rec);
      return 0;
    },
    now_ms(): bigint {
      return BigInt(Date.now());
    },
    // Plugins plan their waits from this instead of a fixed budget, so a
    // lowered wall_ms still leaves them time to return a partial result.
    time_left_ms(): bigint {
      return BigInt(Math.floor(env.ctx().remainingMs()));
    },
    sleep_ms(ms: number): number | Promise<number> {
      if (ms <= 0) return 0;
      // The wall limit is raced against every wait, so a sleep past it ends the
      // invocation; the timer itself never outlives the invocation by much.
      const t = Math.min(ms, Math.ceil(env.ctx().remainingMs()) + 1);
      return new Promise((resolve) => setTimeout(() => resolve(0), t));
    },
  };
}
