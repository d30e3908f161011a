/**
 * wasmap as a library: the same engine and modules the CLI uses.
 *
 *   import { scan } from 'wasmap';
 *   for await (const ev of scan(['127.0.0.1'], { ports: '22,80' })) console.log(ev);
 */
import { randomUUID } from 'node:crypto';
import { UsageError, WasmapError } from './errors.js';
import { builtinRegistry } from './modules/builtin/index.js';
import { applyScanSettings, loadProfile } from './modules/builtin/scan-dag.js';
import { runDag } from './engine/dag-executor.js';
import { parsePorts } from './targets/ports.js';
import { parseSeed } from './targets/probe-order.js';
import { withJobId, type ScanEvent } from './model/event.js';
import { loadRunPlugins, pluginModulesOf } from './modules/plugins/plugin-set.js';
import type { PluginRuntime } from './sandbox/index.js';

export { WasmapError, UsageError } from './errors.js';
export { buildTargetSet, TargetSet } from './targets/target-set.js';
export { parsePorts, topPorts } from './targets/ports.js';
export { ModuleRegistry } from './engine/registry.js';
export { builtinRegistry } from './modules/builtin/index.js';
export { runDag } from './engine/dag-executor.js';
export { loadDag } from './engine/dag-load.js';
export { createDag } from './engine/dag.js';
export type { ScanEvent, PortResult, BannerResult, PortState } from './model/event.js';
export type { ModuleDescriptor, ModuleInstance, ExecutionIO } from './engine/module.js';

export interface ScanOptions {
  ports?: string;
  profile?: string;
  concurrency?: number;
  rate?: number;
  timeoutMs?: number;
  retries?: number;
  skipDiscovery?: boolean;
  banner?: boolean;
  states?: Array<'open' | 'closed' | 'filtered'>;
  seed?: string;
  signal?: AbortSignal;
}

/**
 * Scans targets with a bundled profile and yields events as they are found.
 * The default profile runs the bundled plugins (service detection and the
 * protocol plugins); `profile: 'ports'` is the bare port scan.
 */
export async function* scan(targets: string[], opts: ScanOptions = {}): AsyncGenerator<ScanEvent> {
  const dag = applyScanSettings(await loadProfile(opts.profile ?? 'default'), {
    targets, exclude: [], ports: opts.ports, hasUdpPorts: opts.ports ? parsePorts(opts.ports).udp.length > 0 : false,
    skipDiscovery: !!opts.skipDiscovery, rate: opts.rate, concurrency: opts.concurrency, timeoutMs: opts.timeoutMs,
    retries: opts.retries, seed: String(parseSeed(opts.seed)), banner: !!opts.banner, states: opts.states,
  });
  const registry = builtinRegistry();
  let runtime: PluginRuntime | undefined;
  // profile nodes that name no built-in module are bundled plugins (dist/plugins)
  if (pluginModulesOf(dag, registry).length > 0) {
    const { PluginRuntime } = await import('./sandbox/index.js');
    runtime = new PluginRuntime();
    const set = await loadRunPlugins(runtime, dag, registry);
    if (set.missing.length > 0) {
      await runtime.close();
      const why = set.refused.map((r) => `${r.source}: ${r.message}`).join('; ');
      throw new UsageError(`profile '${opts.profile ?? 'default'}' needs bundled plugins that are not available (${set.missing.join(', ')})${why ? `: ${why}` : ': run npm run build'}`);
    }
  }
  const jobId = randomUUID();
  const queue: ScanEvent[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  // a consumer that stops iterating (break, throw) stops the scan too
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const done = runDag(dag, {
    registry,
    signal,
    onEvent: (ev) => {
      queue.push(withJobId(ev as ScanEvent, jobId));
      wake?.();
    },
  }).finally(async () => {
    await runtime?.close();
    finished = true;
    wake?.();
  });
  try {
    while (!finished || queue.length > 0) {
      if (queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      while (queue.length > 0) yield queue.shift()!;
    }
  } finally {
    if (!finished) {
      stop.abort(new Error('scan() consumer stopped'));
      await done.catch(() => undefined);
    }
  }
  const result = await done;
  if (opts.signal?.aborted) throw new WasmapError('WASMAP_ABORTED', 'scan aborted by its signal', { cause: opts.signal.reason });
  const failed = result.nodes.find((n) => n.status === 'failed');
  if (failed) throw new Error(`${failed.id} (${failed.module}) failed: ${failed.error}`);
}
