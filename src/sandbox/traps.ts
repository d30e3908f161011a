import { MsgpackError } from './msgpack.js';
import type { Ending } from './result.js';
import type { TrapCode } from './types.js';

/**
 * Closed set of ways an invocation can end early. Each is an Error thrown
 * through the guest's frames (so the guest cannot catch it) and turned into
 * a result by the worker; each carries a stable `code` (types.ts TRAP_CODES)
 * that reaches `result.sandbox.code`, beside the human `error` text.
 */
export abstract class Trap extends Error {
  abstract readonly code: TrapCode;
}

/** The limits whose end is a trap; the others make a host call return -7 (ELIMIT) or drop log lines. */
export type TrapLimit = 'cpu_ms' | 'wall_ms' | 'output_bytes' | 'emits' | 'memory_total';

/** The code of a limit that ended an invocation (`memory_total` is the plugin memory budget). */
export const limitCode = (key: TrapLimit): TrapCode => (key === 'memory_total' ? 'sandbox.limit.memory' : `sandbox.limit.${key}`);

/** A limit of ABI §10 was hit, or the pool's plugin memory budget (`memory_total`, A6); `key` names it. */
export class LimitExceeded extends Trap {
  readonly code: TrapCode;
  constructor(readonly key: TrapLimit, message: string) {
    super(message);
    this.code = limitCode(key);
  }
}

/** WASI `proc_exit`: ends the invocation with that status. */
export class ProcExit extends Trap {
  readonly code = 'sandbox.plugin.exit';
  constructor(readonly status: number) {
    super(`plugin called proc_exit(${status})`);
  }
}

/** The AssemblyScript runtime called `env.abort`. */
export class PluginAbort extends Trap {
  readonly code = 'sandbox.plugin.abort';
}

/** The plugin broke the ABI (waited where it cannot, alloc failed, too much saved state, ...). */
export class PluginFault extends Trap {
  readonly code: TrapCode;
  constructor(message: string, code: 'sandbox.abi.violation' | 'sandbox.plugin.init_refused' = 'sandbox.abi.violation') {
    super(message);
    this.code = code;
  }
}

/** The output (returned map) is not a map the host can take. */
export class OutputInvalid extends Trap {
  readonly code = 'sandbox.output.invalid';
}

/** V8's trap messages (WebAssembly.RuntimeError) by code; anything else is `sandbox.trap.other`. */
const WASM_TRAPS: [RegExp, TrapCode][] = [
  [/^unreachable/, 'sandbox.trap.unreachable'],
  [/out of bounds/, 'sandbox.trap.out_of_bounds'],
  [/by zero/, 'sandbox.trap.divide_by_zero'],
  [/integer overflow|unrepresentable/, 'sandbox.trap.integer_overflow'],
  [/null function|signature mismatch/, 'sandbox.trap.indirect_call'],
];

/** The code and one line for a trap the engine raised (not a host Trap). */
function engineTrap(e: unknown): { code: TrapCode; error: string } {
  if (e instanceof WebAssembly.RuntimeError) {
    const code = WASM_TRAPS.find(([re]) => re.test(e.message))?.[1] ?? 'sandbox.trap.other';
    return { code, error: `trap: ${e.message}` };
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) return { code: 'sandbox.trap.stack_overflow', error: 'trap: call stack exhausted' };
  const error = e instanceof Error ? e.message : String(e);
  return { code: typeof WebAssembly.Exception === 'function' && e instanceof WebAssembly.Exception ? 'sandbox.trap.exception' : 'sandbox.trap.other', error };
}

/** How an invocation that threw `e` ended: undefined for `proc_exit(0)`, a clean end. */
export function endingOf(e: unknown): Ending | undefined {
  if (e instanceof ProcExit && e.status === 0) return undefined;
  if (e instanceof LimitExceeded) return { error: e.message, limit: e.key, code: e.code };
  if (e instanceof Trap) return { error: e.message, code: e.code };
  if (e instanceof MsgpackError) return { error: `malformed output: ${e.message}`, code: 'sandbox.output.invalid' };
  return engineTrap(e);
}
