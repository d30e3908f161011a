/** The summary of a sharded scan: the shards' summaries summed, plus the evaluators run at the end. */
import type { ScanSummary } from '../report/summary.js';
import type { ScanPlan, ShardResult } from './protocol.js';

/** Sums the shards' summaries; a host split over several tiles counts once (from its first tile). */
export function sumSummaries(plan: ScanPlan, done: Map<number, ShardResult>, evaluated: ScanSummary | undefined, scanId: string, events: number, elapsedMs: number): ScanSummary {
  let probes = 0;
  let open = 0;
  let up = 0;
  let sawUp = false;
  const plugins = { run: 0, failed: 0, invocations: 0 };
  for (const r of done.values()) {
    probes += r.summary.ports_probed;
    open += r.summary.open;
    if (r.summary.hosts_up !== undefined && plan.tiles[r.shard]!.ports[0] === 0) {
      up += r.summary.hosts_up;
      sawUp = true;
    }
    if (r.summary.plugins) {
      plugins.run = Math.max(plugins.run, r.summary.plugins.run);
      plugins.failed += r.summary.plugins.failed;
      plugins.invocations += r.summary.plugins.invocations;
    }
  }
  if (evaluated?.plugins) {
    plugins.run += evaluated.plugins.run;
    plugins.failed += evaluated.plugins.failed;
    plugins.invocations += evaluated.plugins.invocations;
  }
  const hosts = plan.tiles.reduce((n, t) => n + (t.ports[0] === 0 ? t.hosts[1] - t.hosts[0] : 0), 0);
  return {
    job_id: scanId,
    hosts,
    ...(sawUp ? { hosts_up: up } : {}),
    ports_probed: probes,
    open,
    events,
    ...(plugins.run > 0 ? { plugins } : {}),
    elapsed_ms: Math.round(elapsedMs),
    rate: elapsedMs > 0 ? (probes * 1000) / elapsedMs : 0,
  };
}
