/** The instance of a module whose only state is its validated config. */
import type { ExecutionIO, ModuleInstance } from '../../engine/module.js';

export function configured<C = Record<string, unknown>>(execute: (io: ExecutionIO, config: C) => Promise<void>): () => ModuleInstance {
  return () => {
    let config = {} as C;
    return {
      configure(c) {
        config = c as C;
      },
      execute: (io) => execute(io, config),
    };
  };
}
