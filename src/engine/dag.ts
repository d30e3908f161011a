/**
 * The DAG object, as loaded from YAML or built in code (`wasmap scan` builds
 * its DAG from CLI flags with `createDag`). Positions are kept beside the
 * nodes so every validation issue can name `file:line`.
 */
import { WasmapError } from '../errors.js';

/** where each part of a node was written (1-based lines) */
export interface NodePositions {
  line: number;
  id?: number;
  module?: number;
  /** one line per depends_on entry */
  depends_on?: number[];
  config?: number;
  configKeys?: Record<string, number>;
}

export interface DagNode {
  id: string;
  module: string;
  /** start only after these nodes finished (whatever their status) */
  depends_on: string[];
  config: Record<string, unknown>;
  positions?: NodePositions;
}

export interface Dag {
  name: string;
  description?: string;
  nodes: DagNode[];
  /** the file it came from, for messages; `<dag NAME>` when built in code */
  file?: string;
  /** the line of `name:` (or 1) */
  line?: number;
}

export interface DagNodeSpec {
  id: string;
  module: string;
  depends_on?: string[];
  config?: Record<string, unknown>;
}

export interface DagSpec {
  name: string;
  description?: string;
  nodes: DagNodeSpec[];
}

/** Stable issue codes; tools and tests match on these, not on messages. */
export type DagIssueCode =
  | 'yaml-syntax'
  | 'bad-shape'
  | 'unknown-field'
  | 'missing-field'
  | 'bad-id'
  | 'duplicate-id'
  | 'unknown-module'
  | 'unknown-dependency'
  | 'unknown-node'
  | 'cycle'
  | 'unsatisfied-input'
  | 'conflicting-producers'
  | 'config-type'
  | 'config-range'
  | 'config-enum'
  | 'config-required'
  | 'config-unknown-key';

export interface DagIssue {
  file: string;
  line: number;
  code: DagIssueCode;
  message: string;
  node?: string;
}

export function dagFile(dag: Dag): string {
  return dag.file ?? `<dag ${dag.name}>`;
}

/**
 * Builds a DAG in code. Only the shape is checked here (so a typo in the
 * caller fails at once); wiring, modules and configs are checked by
 * `validateDag`, which `runDag` calls.
 */
export function createDag(spec: DagSpec): Dag {
  if (typeof spec.name !== 'string' || spec.name === '') throw new WasmapError('WASMAP_DAG', 'createDag: name is required');
  if (!Array.isArray(spec.nodes)) throw new WasmapError('WASMAP_DAG', `createDag ${spec.name}: nodes must be a list`);
  return {
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    nodes: spec.nodes.map((n, i) => {
      if (typeof n.id !== 'string' || typeof n.module !== 'string') {
        throw new WasmapError('WASMAP_DAG', `createDag ${spec.name}: node ${i} needs a string id and module`);
      }
      return { id: n.id, module: n.module, depends_on: [...(n.depends_on ?? [])], config: { ...(n.config ?? {}) } };
    }),
  };
}

/** formats one issue as `file:line: error: message` */
export function formatIssue(i: DagIssue): string {
  return `${i.file}:${i.line}: error: ${i.message}`;
}

/** Thrown by `runDag` for a DAG that does not validate; carries every issue. */
export class DagInvalidError extends WasmapError {
  readonly issues: DagIssue[];
  constructor(dagName: string, issues: DagIssue[]) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('WASMAP_DAG', `DAG "${dagName}" is invalid: ${first ? formatIssue(first) : 'no issues?'}${more}`);
    this.name = 'DagInvalidError';
    this.issues = issues;
  }
}
