/**
 * Plans every target_expansion node before the scan opens outputs or loads
 * plugins: lists are read, names resolved, ports parsed and the size limit
 * checked here, once. A refused target set thus leaves an `-o` file as it
 * was; the nodes take these plans when the DAG runs.
 */
import type { Dag } from '../engine/dag.js';
import { validateConfig } from '../engine/config-schema.js';
import { planTargetExpansion, targetExpansion, type TargetPlan } from '../modules/builtin/target-expansion.js';

export async function planTargetNodes(dag: Dag): Promise<Map<string, TargetPlan>> {
  const plans = new Map<string, TargetPlan>();
  for (const node of dag.nodes.filter((n) => n.module === targetExpansion.name)) {
    const cfg = validateConfig(targetExpansion.config, node.config);
    // a bad config is left to the DAG check, which names the node and line
    if (cfg.errors.length === 0) plans.set(node.id, await planTargetExpansion(cfg.value));
  }
  return plans;
}

export function hasUdpPorts(plans: ReadonlyMap<string, TargetPlan>): boolean {
  return [...plans.values()].some((p) => p.ports.udp.length > 0);
}
