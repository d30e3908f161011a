/**
 * Writes items gathered elsewhere back into a DataContext: the coordinator of
 * a distributed scan replays what its shards found (open ports, banners,
 * fingerprints, plugin results) so evaluators see each host whole, as in a
 * local scan.
 */
import type { ModuleDescriptor } from '../../engine/module.js';

export const CONTEXT_REPLAY = 'context_replay';

export function contextReplay(items: Readonly<Record<string, readonly unknown[]>>): ModuleDescriptor {
  return {
    name: CONTEXT_REPLAY,
    description: 'replays DataContext items gathered by the shards of a distributed scan',
    version: '1',
    kind: 'source',
    config: {},
    requires: [],
    provides: Object.keys(items),
    origin: 'builtin',
    create: () => ({
      async execute(io) {
        for (const [key, list] of Object.entries(items)) for (const item of list) io.write(key, item);
      },
    }),
  };
}
