/**
 * `wasmap scan` as a DAG: a bundled profile (dags/*.yaml) with the scan flags
 * applied on top, so `scan` and `dag run` share one engine and one definition.
 */
import { readdir, readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import type { Dag, DagNode } from '../../engine/dag.js';
import { loadDag } from '../../engine/dag-load.js';

const DAG_DIR = new URL('../../../dags/', import.meta.url);

export async function bundledDagTexts(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(DAG_DIR)).filter((f) => f.endsWith('.yaml')).sort()) {
    out[f.replace(/\.yaml$/, '')] = await readFile(new URL(f, DAG_DIR), 'utf8');
  }
  return out;
}

export async function loadProfile(name: string): Promise<Dag> {
  const texts = await bundledDagTexts();
  const text = texts[name];
  if (text === undefined) throw new UsageError(`unknown profile '${name}' (bundled: ${Object.keys(texts).join(', ')})`);
  const { dag, issues } = loadDag(text, `<bundled ${name}>`);
  if (!dag) throw new UsageError(`bundled profile '${name}' is broken: ${issues[0]?.message ?? 'unknown'}`);
  return dag;
}

/** What the scan flags say, already parsed and checked. Unset = keep the profile's value. */
export interface ScanSettings {
  targets: string[];
  inputList?: string;
  exclude: string[];
  excludeFile?: string;
  ports?: string;
  topPorts?: number;
  /** the ports include UDP ones: a udp_scanner node is added if the profile has none (the Scanner reads it from the planned ports) */
  hasUdpPorts: boolean;
  skipDiscovery: boolean;
  rate?: number;
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
  workers?: number;
  seed: string;
  banner: boolean;
  bannerTimeoutMs?: number;
  states?: string[];
  /** most target addresses without allowLargeScan (target_expansion's default when unset) */
  maxTargets?: number;
  allowLargeScan?: boolean;
  /** keep only the target_expansion nodes: targets and ports are read, checked and counted, nothing is sent */
  dryRun?: boolean;
}

function set(node: DagNode | undefined, key: string, value: unknown): void {
  if (node && value !== undefined) node.config[key] = value;
}

export function applyScanSettings(base: Dag, s: ScanSettings): Dag {
  const nodes: DagNode[] = base.nodes.map((n) => ({ ...n, config: { ...n.config }, depends_on: [...n.depends_on] }));
  const byModule = (m: string): DagNode[] => nodes.filter((n) => n.module === m);
  const add = (id: string, module: string, config: Record<string, unknown> = {}): DagNode => {
    const node: DagNode = { id, module, depends_on: [], config };
    nodes.push(node);
    return node;
  };

  for (const t of byModule('target_expansion')) {
    t.config.targets = s.targets;
    set(t, 'input_list', s.inputList);
    t.config.exclude = s.exclude;
    set(t, 'exclude_file', s.excludeFile);
    // -p replaces the profile's ports; with --top-ports too, both are scanned (each port once)
    if (s.ports !== undefined) {
      t.config.ports = s.ports;
      delete t.config.top_ports;
    }
    set(t, 'top_ports', s.topPorts);
    set(t, 'max_targets', s.maxTargets);
    if (s.allowLargeScan) t.config.allow_large_scan = true;
  }
  if (s.dryRun) return { ...base, nodes: byModule('target_expansion') };
  if (s.skipDiscovery) {
    const gone = new Set(byModule('tcp_probe_discovery').map((n) => n.id));
    for (const id of gone) nodes.splice(nodes.findIndex((n) => n.id === id), 1);
    for (const n of nodes) n.depends_on = n.depends_on.filter((d) => !gone.has(d));
  }
  for (const n of [...byModule('tcp_probe_discovery'), ...byModule('connect_scanner')]) {
    set(n, 'concurrency', s.concurrency);
    set(n, 'rate', s.rate);
    set(n, 'timeout_ms', s.timeoutMs);
    set(n, 'workers', s.workers);
    n.config.seed = s.seed;
  }
  for (const n of byModule('connect_scanner')) {
    set(n, 'retries', s.retries);
    set(n, 'states', s.states);
  }
  if (s.hasUdpPorts && byModule('udp_scanner').length === 0) add('udp', 'udp_scanner');
  for (const n of byModule('udp_scanner')) {
    set(n, 'rate', s.rate);
    set(n, 'retries', s.retries);
    set(n, 'states', s.states);
    n.config.seed = s.seed;
  }
  if (s.banner && byModule('banner_grabber').length === 0) add('banners', 'banner_grabber');
  for (const n of byModule('banner_grabber')) set(n, 'timeout_ms', s.bannerTimeoutMs);
  return { ...base, nodes };
}
