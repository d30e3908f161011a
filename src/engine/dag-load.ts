/**
 * YAML → Dag. Uses the parser's node ranges and a LineCounter so every
 * problem has a `file:line`; reports all shape problems it finds, not only
 * the first. Wiring, modules and configs are checked in dag-validate.ts.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { Dag, DagIssue, DagIssueCode, DagNode, NodePositions } from './dag.js';

export interface LoadResult {
  /** absent when the text is not YAML or not a DAG at all */
  dag?: Dag;
  issues: DagIssue[];
}

const TOP_FIELDS = ['name', 'description', 'nodes'];
const NODE_FIELDS = ['id', 'module', 'depends_on', 'config'];

export function loadDag(text: string, file: string): LoadResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const issues: DagIssue[] = [];
  const lineAt = (offset: number | undefined): number => (offset === undefined ? 1 : lc.linePos(offset).line);
  const lineOf = (n: unknown): number => lineAt((n as Node | null)?.range?.[0]);
  const push = (code: DagIssueCode, line: number, message: string, node?: string): void => {
    issues.push(node === undefined ? { file, line, code, message } : { file, line, code, message, node });
  };

  if (doc.errors.length > 0) {
    // one error per line: the parser's follow-on errors on the same line add nothing
    const seen = new Set<number>();
    for (const e of doc.errors) {
      const line = lineAt(e.pos[0]);
      if (seen.has(line)) continue;
      seen.add(line);
      push('yaml-syntax', line, `YAML: ${e.message.split('\n')[0]}`);
    }
    return { issues };
  }
  const root = doc.contents;
  if (!isMap(root)) {
    push('bad-shape', lineOf(root), 'a DAG file is a map with name, description and nodes');
    return { issues };
  }
  const js = (n: unknown): unknown => (n && typeof n === 'object' && 'toJS' in n ? (n as Node).toJS(doc as Document) : n);
  const field = (map: { items: Pair[] }, name: string): Pair | undefined => map.items.find((p) => isScalar(p.key) && p.key.value === name);

  for (const p of root.items) {
    const k = isScalar(p.key) ? String(p.key.value) : '?';
    if (!TOP_FIELDS.includes(k)) push('unknown-field', lineOf(p.key), `unknown field "${k}" (expected ${TOP_FIELDS.join(', ')})`);
  }
  const nameP = field(root, 'name');
  const name = js(nameP?.value);
  if (typeof name !== 'string' || name === '') push(nameP ? 'bad-shape' : 'missing-field', nameP ? lineOf(nameP.value) : 1, 'the DAG needs a name (a string)');
  const descP = field(root, 'description');
  const description = js(descP?.value);
  if (descP && typeof description !== 'string') push('bad-shape', lineOf(descP.value), 'description must be a string');

  const nodesP = field(root, 'nodes');
  const nodes: DagNode[] = [];
  if (!nodesP) push('missing-field', 1, 'the DAG needs a nodes list');
  else if (!isSeq(nodesP.value) || nodesP.value.items.length === 0) push('bad-shape', lineOf(nodesP.value ?? nodesP.key), 'nodes must be a non-empty list');
  else {
    for (const item of nodesP.value.items) {
      const line = lineOf(item);
      if (!isMap(item)) { push('bad-shape', line, 'each node is a map with id, module, depends_on and config'); continue; }
      const pos: NodePositions = { line };
      const node: DagNode = { id: '', module: '', depends_on: [], config: {}, positions: pos };
      for (const p of item.items) {
        const k = isScalar(p.key) ? String(p.key.value) : '?';
        if (!NODE_FIELDS.includes(k)) push('unknown-field', lineOf(p.key), `unknown node field "${k}" (expected ${NODE_FIELDS.join(', ')})`);
      }
      const idP = field(item, 'id');
      if (idP) {
        pos.id = lineOf(idP.value ?? idP.key);
        const v = js(idP.value);
        if (typeof v === 'string' || typeof v === 'number') node.id = String(v);
        else push('bad-shape', pos.id, 'node id must be a string');
      }
      const modP = field(item, 'module');
      if (modP) {
        pos.module = lineOf(modP.value ?? modP.key);
        const v = js(modP.value);
        if (typeof v === 'string') node.module = v;
        else push('bad-shape', pos.module, 'node module must be a string', node.id || undefined);
      }
      const depP = field(item, 'depends_on');
      if (depP) {
        const seq = depP.value;
        if (isSeq(seq)) {
          pos.depends_on = [];
          for (const d of seq.items) {
            const v = js(d);
            if (typeof v === 'string' || typeof v === 'number') { node.depends_on.push(String(v)); pos.depends_on.push(lineOf(d)); }
            else push('bad-shape', lineOf(d), 'depends_on entries must be node ids', node.id || undefined);
          }
        } else if (isScalar(seq) && typeof seq.value === 'string') {
          // `depends_on: discover` is a common shorthand for a one-item list
          node.depends_on.push(seq.value);
          pos.depends_on = [lineOf(seq)];
        } else push('bad-shape', lineOf(seq ?? depP.key), 'depends_on must be a list of node ids', node.id || undefined);
      }
      const cfgP = field(item, 'config');
      if (cfgP) {
        pos.config = lineOf(cfgP.key);
        const m = cfgP.value;
        if (isMap(m)) {
          pos.configKeys = {};
          for (const p of m.items) {
            const k = isScalar(p.key) ? String(p.key.value) : String(js(p.key));
            pos.configKeys[k] = lineOf(p.key);
            node.config[k] = js(p.value) ?? null;
          }
        } else if (m !== null && !(isScalar(m) && m.value === null)) {
          push('bad-shape', lineOf(m), 'config must be a map', node.id || undefined);
        }
      }
      nodes.push(node);
    }
  }
  // a DAG without a usable name still goes on to validation, so all problems show at once
  if (nodes.length === 0) return { issues };
  const dag: Dag = { name: typeof name === 'string' && name !== '' ? name : '(unnamed)', nodes, file, line: lineOf(nameP?.key) };
  if (typeof description === 'string') dag.description = description;
  return { dag, issues };
}
