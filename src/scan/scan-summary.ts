/**
 * The closing summary, from what the run itself reports: node counters by
 * their meaning, not by which module counted them. Every module that probes
 * counts `probes`, every scanner counts `open`; the hosts are those of the
 * nodes that provide `targets`, hosts up those of the nodes that provide
 * `discovered_hosts`; plugins are the nodes of plugin origin.
 */
import type { ModuleRegistry } from '../engine/registry.js';
import type { NodeSummary } from '../engine/summary.js';
import type { ScanSummary } from '../report/summary.js';

export interface ScanCount {
  jobId: string;
  /** events delivered, refusal events included */
  events: number;
  elapsedMs: number;
}

function sum(nodes: readonly NodeSummary[], counter: string): number {
  return nodes.reduce((n, s) => n + (s.counters[counter] ?? 0), 0);
}

export function summarizeRun(nodes: readonly NodeSummary[], registry: ModuleRegistry, c: ScanCount): ScanSummary {
  const providing = (key: string): NodeSummary[] => nodes.filter((n) => registry.get(n.module)?.provides.includes(key));
  const discovery = providing('discovered_hosts');
  const plugins = nodes.filter((n) => registry.get(n.module)?.origin === 'plugin');
  const probes = sum(nodes, 'probes');
  return {
    job_id: c.jobId,
    hosts: sum(providing('targets'), 'hosts'),
    ...(discovery.length > 0 ? { hosts_up: sum(discovery, 'hosts_up') } : {}),
    ports_probed: probes,
    open: sum(nodes, 'open'),
    events: c.events,
    ...(plugins.length > 0
      ? { plugins: { run: plugins.length, failed: plugins.filter((n) => n.status === 'failed').length, invocations: sum(plugins, 'invocations') } }
      : {}),
    elapsed_ms: Math.round(c.elapsedMs),
    rate: probes / Math.max(c.elapsedMs / 1000, 0.001),
  };
}
