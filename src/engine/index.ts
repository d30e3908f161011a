/**
 * The DAG engine: modules (built-in or WASM plugins, see engine/module.ts)
 * wired by the DataContext keys they require and provide, run concurrently
 * with streaming between them.
 *
 * ```ts
 * const registry = new ModuleRegistry();          // built-ins, then each loaded plugin
 * const dag = createDag({ name: 'scan', nodes: [
 *   { id: 'targets', module: 'target_expansion', config: { targets: ['127.0.0.1'] } },
 *   { id: 'scan', module: 'connect_scanner', config: { ports: '22,80' } },
 * ] });                                            // or loadDag(yamlText, file).dag
 * const result = await runDag(dag, { registry, signal, onEvent: (ev) => writer.write(ev) });
 * process.stderr.write(formatSummary(result));
 * result.context.getAll<OpenPort>('open_ports');
 * ```
 *
 * Costs and lifetimes: a Dag is plain data (build once, run many times); a
 * run owns one DataContext (every item written stays in memory until the
 * result is dropped); each node gets its own module instance.
 */
export { createDag, formatIssue, dagFile, DagInvalidError } from './dag.js';
export type { Dag, DagNode, DagSpec, DagNodeSpec, DagIssue, DagIssueCode, NodePositions } from './dag.js';
export { loadDag, type LoadResult } from './dag-load.js';
export { exportDag } from './dag-export.js';
export { validateDag, effectiveConfig, type ConfigOverrides } from './dag-validate.js';
export { runDag, runDag as run, type RunOptions, type RunResult, type LogRecord, type EventOrigin } from './dag-executor.js';
export { DataContext, type ProducerDecl, type ReadOptions } from './data-context.js';
export { formatSummary, overallStatus, type RunSummary, type NodeSummary, type NodeStatus } from './summary.js';
export * from '../model/key-contracts.js';
