/** Dag → YAML, the inverse of loadDag (for `wasmap dag export NAME`). */
import { Document, isSeq } from 'yaml';
import type { Dag } from './dag.js';

export function exportDag(dag: Dag): string {
  const plain = {
    name: dag.name,
    ...(dag.description !== undefined ? { description: dag.description } : {}),
    nodes: dag.nodes.map((n) => ({
      id: n.id,
      module: n.module,
      ...(n.depends_on.length ? { depends_on: [...n.depends_on] } : {}),
      ...(Object.keys(n.config).length ? { config: n.config } : {}),
    })),
  };
  const doc = new Document(plain);
  dag.nodes.forEach((_, i) => {
    const deps = doc.getIn(['nodes', i, 'depends_on'], true);
    // `depends_on: [a, b]` reads better than a block list
    if (isSeq(deps)) deps.flow = true;
  });
  return doc.toString({ lineWidth: 0 });
}
