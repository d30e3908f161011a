/**
 * The module contract. Built-in TypeScript modules and sandboxed WASM plugins
 * are both modules of one engine: a descriptor (static facts the validator
 * reads without running anything) and instances (one per DAG node).
 */
import type { ScanEvent } from '../model/event.js';

export type ConfigFieldType = 'string' | 'int' | 'float' | 'bool' | 'list' | 'map';

export interface ConfigField {
  type: ConfigFieldType;
  default?: unknown;
  description?: string;
  /** numeric bound, inclusive (int/float, and each item of a list of numbers) */
  min?: number;
  max?: number;
  /** allowed values (for a list: allowed items) */
  enum?: unknown[];
  required?: boolean;
  /** item type of a `list` */
  items?: ConfigFieldType;
}

export type ConfigSchema = Record<string, ConfigField>;

export type ModuleKind = 'source' | 'discovery' | 'scanner' | 'detection' | 'evaluator' | 'reporter' | 'output';

export const MODULE_KINDS: readonly ModuleKind[] = ['source', 'discovery', 'scanner', 'detection', 'evaluator', 'reporter', 'output'];

export interface ModuleDescriptor {
  name: string;
  description: string;
  version: string;
  kind: ModuleKind;
  config: ConfigSchema;
  /** DataContext keys read: plain (`open_ports`) or one instance's (`<module>.<node>.<key>`) */
  requires: string[];
  /** DataContext keys written (`events` is implicit for every module) */
  provides: string[];
  /**
   * Optional inputs: read when some node of the DAG provides them, and no
   * error when none does (e.g. the connect scanner uses `discovered_hosts`
   * only if a discovery node runs). `io.hasProducers(key)` tells which.
   */
  uses?: string[];
  /** for `module info`: where the module comes from (plugin path etc.) */
  origin?: 'builtin' | 'plugin';
  source?: string;
  create(): ModuleInstance;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ModuleEnv {
  nodeId: string;
  moduleName: string;
  log(level: LogLevel, msg: string): void;
}

export interface ModuleInstance {
  initialize?(env: ModuleEnv): Promise<void> | void;
  /** config is already validated against the descriptor's schema, defaults filled */
  configure?(config: Record<string, unknown>): Promise<void> | void;
  execute(io: ExecutionIO): Promise<void>;
  /** always called, also after a failure or a cancellation */
  cleanup?(): Promise<void> | void;
}

export interface ExecutionIO {
  readonly signal: AbortSignal;
  /**
   * Streams the items of `key` as they are produced (first those already
   * there); ends when every producer of `key` has finished. Only declared
   * `requires` may be read. Rejects with the abort reason on cancellation.
   */
  read<T>(key: string): AsyncIterable<Readonly<T>>;
  /** every item of `key`, once all its producers have finished */
  all<T>(key: string): Promise<ReadonlyArray<Readonly<T>>>;
  /** whether any other node of this DAG writes `key` (for optional `uses` inputs) */
  hasProducers(key: string): boolean;
  /** only declared `provides` (else throws WasmapError WASMAP_DAG naming module and key) */
  write(key: string, item: unknown): void;
  /** an output event (also appended to the DataContext key `events`) */
  event(ev: ScanEvent): void;
  /** per-node counters shown in the run summary */
  count(counter: string, n?: number): void;
  log(level: LogLevel, msg: string): void;
}
