/**
 * Semantic checks of a DAG against the registry. Reports every problem with
 * `file:line` and a stable code: ids, modules, depends_on, cycles (through
 * data edges and depends_on), inputs nobody produces, and each node's config
 * against its module's schema.
 */
import { suggest, validateConfig, type ConfigErrorCode } from './config-schema.js';
import type { ModuleRegistry } from './registry.js';
import { dagFile, type Dag, type DagIssue, type DagIssueCode, type DagNode } from './dag.js';
import { producersOf, type WiredNode } from './dag-wiring.js';
import { contractOf } from '../model/key-contracts.js';

/** per node id: config keys set from the command line (`--set node.key=value`) */
export type ConfigOverrides = Record<string, Record<string, unknown>>;

const ID_RE = /^[A-Za-z0-9_-]+$/;

const CONFIG_CODES: Record<ConfigErrorCode, DagIssueCode> = {
  type: 'config-type',
  range: 'config-range',
  enum: 'config-enum',
  required: 'config-required',
  'unknown-key': 'config-unknown-key',
};

/** a node's config with overrides applied */
export function effectiveConfig(node: DagNode, overrides?: ConfigOverrides): Record<string, unknown> {
  return { ...node.config, ...(overrides?.[node.id] ?? {}) };
}

export function validateDag(dag: Dag, registry: ModuleRegistry, overrides?: ConfigOverrides): DagIssue[] {
  const file = dagFile(dag);
  const issues: DagIssue[] = [];
  const push = (code: DagIssueCode, line: number | undefined, message: string, node?: string): void => {
    const i: DagIssue = { file, line: line ?? dag.line ?? 1, code, message };
    if (node) i.node = node;
    issues.push(i);
  };

  // ids and modules
  const firstById = new Map<string, DagNode>();
  const wired: WiredNode[] = [];
  const wiredOf = new Map<DagNode, WiredNode>();
  dag.nodes.forEach((n, index) => {
    const p = n.positions;
    const nodeLabel = n.id ? `node "${n.id}"` : p ? `node at line ${p.line}` : `node #${index + 1}`;
    if (n.id === '') push('missing-field', p?.line, `${nodeLabel} has no id`);
    else if (!ID_RE.test(n.id)) push('bad-id', p?.id ?? p?.line, `node id "${n.id}" may only hold letters, digits, _ and - (dots separate namespaced keys)`, n.id);
    else if (firstById.has(n.id)) {
      const firstLine = firstById.get(n.id)!.positions?.line;
      push('duplicate-id', p?.id ?? p?.line, `duplicate node id "${n.id}"${firstLine ? ` (first defined at line ${firstLine})` : ''}`, n.id);
    }
    else firstById.set(n.id, n);
    if (n.module === '') { push('missing-field', p?.line, `${nodeLabel} has no module`, n.id || undefined); return; }
    const d = registry.get(n.module);
    if (!d) {
      const hint = suggest(n.module, registry.list().map((m) => m.name));
      push('unknown-module', p?.module ?? p?.line, `${nodeLabel}: unknown module "${n.module}"${hint ? ` (did you mean "${hint}"?)` : ''}`, n.id || undefined);
      return;
    }
    const w = { node: n, descriptor: d };
    wired.push(w);
    wiredOf.set(n, w);
  });

  for (const id of Object.keys(overrides ?? {})) {
    if (!firstById.has(id)) push('unknown-node', dag.line, `--set names node "${id}", which is not in DAG "${dag.name}" (nodes: ${[...firstById.keys()].join(', ')})`);
  }

  // depends_on
  for (const n of dag.nodes) {
    n.depends_on.forEach((dep, i) => {
      const line = n.positions?.depends_on?.[i] ?? n.positions?.line;
      if (!firstById.has(dep)) {
        const hint = suggest(dep, firstById.keys());
        push('unknown-dependency', line, `node "${n.id}" depends on unknown node "${dep}"${hint ? ` (did you mean "${hint}"?)` : ''}`, n.id || undefined);
      }
    });
  }

  // inputs; a node with an unknown module might have provided them, so judge only a fully known DAG
  const allKnown = wired.length === dag.nodes.filter((n) => n.module !== '').length;
  for (const w of allKnown ? wired : []) {
    for (const key of w.descriptor.requires) {
      if (producersOf(key, wired, w).length > 0) continue;
      const offer = registry.list().filter((m) => m.provides.includes(key)).map((m) => m.name);
      push('unsatisfied-input', w.node.positions?.module ?? w.node.positions?.line,
        `node "${w.node.id}": module "${w.descriptor.name}" requires "${key}", which no node provides${offer.length ? ` (modules that provide it: ${offer.join(', ')})` : ''}`, w.node.id);
    }
  }

  // a single-item key (e.g. scan_ports) written by two nodes would fail mid-run at the second write
  const singleKeys = new Set(wired.flatMap((w) => w.descriptor.provides).filter((k) => contractOf(k).cardinality === 'one'));
  for (const key of singleKeys) {
    const producers = producersOf(key, wired);
    if (producers.length < 2) continue;
    const second = producers[1]!.node;
    push('conflicting-producers', second.positions?.module ?? second.positions?.line,
      `"${key}" holds a single item, but nodes ${producers.map((p) => `"${p.node.id}"`).join(', ')} all provide it`, second.id);
  }

  for (const c of findCycles(dag.nodes, wired, firstById, wiredOf)) {
    push('cycle', c.nodes[0]!.positions?.line, `cycle: ${[...c.nodes, c.nodes[0]!].map((n) => n.id).join(' -> ')} (${c.reasons.join('; ')})`, c.nodes[0]!.id);
  }

  // configs
  for (const w of wired) {
    const keyLines = w.node.positions?.configKeys ?? {};
    const cfgOverrides = overrides?.[w.node.id] ?? {};
    const { errors } = validateConfig(w.descriptor.config, effectiveConfig(w.node, overrides));
    for (const e of errors) {
      const fromCli = e.key in cfgOverrides ? ' (from --set)' : '';
      push(CONFIG_CODES[e.code], keyLines[e.key] ?? w.node.positions?.config ?? w.node.positions?.line,
        `node "${w.node.id}" (${w.descriptor.name}): ${e.message}${fromCli}`, w.node.id);
    }
  }

  return issues.sort((a, b) => a.line - b.line);
}

interface Cycle {
  nodes: DagNode[];
  reasons: string[];
}

/** One cycle per strongly connected component (Tarjan), listed from the node written first. */
function findCycles(nodes: readonly DagNode[], wired: readonly WiredNode[], byId: Map<string, DagNode>, wiredOf: Map<DagNode, WiredNode>): Cycle[] {
  const unique = [...byId.values()];
  const edges = new Map<DagNode, Map<DagNode, string>>();
  const addEdge = (from: DagNode, to: DagNode, why: string): void => {
    let m = edges.get(from);
    if (!m) { m = new Map(); edges.set(from, m); }
    if (!m.has(to)) m.set(to, why);
  };
  for (const n of unique) {
    for (const dep of n.depends_on) {
      const d = byId.get(dep);
      if (d) addEdge(d, n, `${n.id} depends_on ${d.id}`);
    }
    const w = wiredOf.get(n);
    if (!w) continue;
    for (const key of [...w.descriptor.requires, ...(w.descriptor.uses ?? [])]) {
      for (const p of producersOf(key, wired, w)) {
        if (byId.get(p.node.id) === p.node) addEdge(p.node, n, `${n.id} requires "${key}" from ${p.node.id}`);
      }
    }
  }

  let counter = 0;
  const index = new Map<DagNode, number>();
  const low = new Map<DagNode, number>();
  const stack: DagNode[] = [];
  const onStack = new Set<DagNode>();
  const sccs: DagNode[][] = [];
  const strong = (v: DagNode): void => {
    index.set(v, counter); low.set(v, counter); counter++;
    stack.push(v); onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: DagNode[] = [];
      let w: DagNode;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || edges.get(v)?.has(v)) sccs.push(scc);
    }
  };
  for (const n of unique) if (!index.has(n)) strong(n);

  const order = new Map(nodes.map((n, i) => [n, i]));
  return sccs.map((scc) => {
    const members = new Set(scc);
    const start = [...scc].sort((a, b) => order.get(a)! - order.get(b)!)[0]!;
    // breadth-first inside the component for the shortest way back to start
    const prev = new Map<DagNode, DagNode>();
    const queue: DagNode[] = [start];
    let last: DagNode | undefined;
    while (queue.length && !last) {
      const v = queue.shift()!;
      for (const w of edges.get(v)?.keys() ?? []) {
        if (!members.has(w)) continue;
        if (w === start) { last = v; break; }
        if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
      }
    }
    const path: DagNode[] = [];
    for (let v: DagNode | undefined = last; v && v !== start; v = prev.get(v)) path.unshift(v);
    path.unshift(start);
    const reasons = path.map((v, i) => edges.get(v)!.get(path[(i + 1) % path.length]!)!);
    return { nodes: path, reasons };
  });
}
