/** What a run did, per node: status, timing, writes, events and counters. */

export type NodeStatus = 'ok' | 'failed' | 'cancelled';

export interface NodeSummary {
  id: string;
  module: string;
  status: NodeStatus;
  error?: string;
  /** the WasmapError code when the failure carried one (WASMAP_PLUGIN_LOAD, …) */
  error_code?: string;
  /** ms from the run's start to the node's start (after its depends_on barrier) */
  started_ms: number;
  duration_ms: number;
  /** items written per plain key */
  writes: Record<string, number>;
  events: number;
  counters: Record<string, number>;
}

export interface RunSummary {
  dag: string;
  /** `failed` if any node failed, else `cancelled` if any was, else `ok` */
  status: NodeStatus;
  duration_ms: number;
  nodes: NodeSummary[];
}

export function overallStatus(nodes: readonly NodeSummary[]): NodeStatus {
  if (nodes.some((n) => n.status === 'failed')) return 'failed';
  if (nodes.some((n) => n.status === 'cancelled')) return 'cancelled';
  return 'ok';
}

function ms(n: number): string {
  return n < 1000 ? `${Math.round(n)}ms` : `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)}s`;
}

function pairs(r: Record<string, number>): string {
  const e = Object.entries(r);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(' ') : '-';
}

/** A small fixed-width table, one row per node, errors on their own line. */
export function formatSummary(s: RunSummary): string {
  const head = ['NODE', 'MODULE', 'STATUS', 'START', 'TIME', 'EVENTS', 'WRITES', 'COUNTERS'];
  const rows = s.nodes.map((n) => [n.id, n.module, n.status, ms(n.started_ms), ms(n.duration_ms), String(n.events), pairs(n.writes), pairs(n.counters)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [`dag ${s.dag}: ${s.status} in ${ms(s.duration_ms)}`, line(head), ...rows.map(line)];
  for (const n of s.nodes) if (n.error) out.push(`  ${n.id}: ${n.error}`);
  return out.join('\n') + '\n';
}
