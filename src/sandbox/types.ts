/**
 * Public types of the plugin runtime (ABI v1, docs/abi.md). Everything that
 * crosses the main thread / worker boundary is plain data (structured clone).
 */

export type PluginKind = 'scanner' | 'detection' | 'evaluator' | 'output';

/** Same schema format as built-in modules (src/engine/module.ts), checked by src/engine/config-schema.ts. */
export type { ConfigField } from '../engine/module.js';
import type { ConfigField } from '../engine/module.js';
import type { Finding, ServiceInfo } from '../model/key-contracts.js';

/** ABI §10 limit keys. */
export interface Limits {
  memory_mb: number;
  cpu_ms: number;
  wall_ms: number;
  connections: number;
  send_bytes: number;
  recv_bytes: number;
  output_bytes: number;
  log_bytes: number;
  emits: number;
}

export interface PluginMatch {
  ports?: number[];
  services?: string[];
  transport?: 'tcp' | 'udp';
  tls?: boolean;
}

export interface PluginManifest {
  abi: 1;
  name: string;
  version: string;
  kind: PluginKind;
  description?: string;
  author?: string;
  license?: string;
  capabilities: string[];
  requires: string[];
  provides: string[];
  match: PluginMatch;
  config: Record<string, ConfigField>;
  limits: Partial<Limits>;
}

export interface LoadedPlugin {
  /** File path, or `<bytes>` when loaded from memory. */
  path: string;
  /** sha256 (hex) of the original file bytes. */
  sha256: string;
  manifest: PluginManifest;
  /** Imports as `module.name`. */
  imports: string[];
  exports: string[];
  /** Size in bytes of the original file. */
  size: number;
  /** Limits in force: defaults ← load/runtime overrides ← manifest (lower only). */
  limits: Limits;
  /** True when Asyncify was applied (the plugin imports a waiting host call). */
  asyncified: boolean;
  /** The bytes the runtime instantiates: asyncified if needed, memory max capped. */
  runBytes: Uint8Array;
  /** Compiled `runBytes`; shareable with workers. */
  module: WebAssembly.Module;
}

export interface InvocationTarget {
  ip: string;
  port: number;
  transport: 'tcp' | 'udp';
  hostname?: string;
  tls?: boolean;
}

export interface InvocationInput {
  target?: InvocationTarget;
  config?: Record<string, unknown>;
  /** DataContext keys named in `requires`, e.g. `banner: Uint8Array`. */
  context?: Record<string, unknown>;
}

export interface SandboxStats {
  duration_ms: number;
  denied: number;
  /** Why calls were denied (first 8 distinct reasons), e.g. `tcp_connect needs capability "network" …`. */
  denials?: string[];
  bytes_sent: number;
  bytes_received: number;
  /** The ABI §10 key of the limit that ended the invocation. */
  limit?: string;
  /** How the invocation ended early, when it did: a stable code of TRAP_CODES (the `error` text is for people). */
  code?: TrapCode;
  logs_dropped?: number;
  /** Operations, when non-zero (each also costs at least MIN_CHARGE bytes of its budget). */
  connects?: number;
  sends?: number;
  log_lines?: number;
  emits?: number;
}

export interface LogLine {
  level: number;
  message: string;
}

/**
 * One output map of a plugin (returned or emitted, ABI §7) once the host has
 * checked it (result.ts outputProblem) and read it (result.ts readOutput):
 * the one form both paths take on their way to an event.
 */
export interface PluginOutput {
  status?: string;
  error?: string;
  /** As sent: a map, or an output plugin's report as bytes or text. */
  data?: unknown;
  service?: ServiceInfo;
  findings?: Finding[];
  /** A8: one human line (first line, at most 200 characters). */
  summary?: string;
  /** The map's keys outside ABI §7 (`provides` keys, anything else): the event's data when there is no `data`. */
  other?: Record<string, unknown>;
}

/** The returned map as a PluginOutput, plus what the host says about the invocation. */
export interface InvocationResult extends PluginOutput {
  status: string;
  /** `provides` keys of the emits and the return value, in order (the last one wins). */
  provides: Record<string, unknown>;
  sandbox: SandboxStats;
  emitted: Record<string, unknown>[];
  logs: LogLine[];
  /** False when the plugin returned 0 and emitted nothing. */
  produced: boolean;
}

export interface RuntimeOptions {
  /** Worker threads; default `os.availableParallelism()`. */
  workers?: number;
  limits?: Partial<Limits>;
  /** `HOST[:PORT]` endpoints granted to plugins with `network:any`. */
  allowNet?: string[];
  /** Asyncify cache directory; default `$XDG_CACHE_HOME/wasmap/asyncify`. */
  cacheDir?: string;
  /** Plugin memory budget of the whole pool, MiB; default half the machine's memory (ABI A6). */
  memoryBudgetMb?: number;
  /** Plugin memory budget of each worker, MiB; default `memoryBudgetMb` / `workers`. */
  workerMemoryBudgetMb?: number;
  /**
   * Worker entry script. Defaults to the compiled `worker.js` next to the
   * runtime (under `dist/` when running from `.ts` sources: build first);
   * the sandbox tests point it at a fresh transpiled copy of the sources.
   */
  workerScript?: string | URL;
}

export const STATUSES = [
  'success',
  'connection-refused',
  'connection-timeout',
  'io-timeout',
  'protocol-error',
  'application-error',
  'unknown-error',
] as const;
export type Status = (typeof STATUSES)[number];

/**
 * Why an invocation ended early (`result.sandbox.code`, docs/abi.md A11): a
 * closed list, stable across releases, to match on instead of the text.
 */
export const TRAP_CODES = [
  'sandbox.limit.cpu_ms',
  'sandbox.limit.wall_ms',
  'sandbox.limit.output_bytes',
  'sandbox.limit.emits',
  'sandbox.limit.memory',
  'sandbox.trap.unreachable',
  'sandbox.trap.out_of_bounds',
  'sandbox.trap.divide_by_zero',
  'sandbox.trap.integer_overflow',
  'sandbox.trap.indirect_call',
  'sandbox.trap.stack_overflow',
  'sandbox.trap.exception',
  'sandbox.trap.other',
  'sandbox.output.invalid',
  'sandbox.plugin.abort',
  'sandbox.plugin.exit',
  'sandbox.plugin.init_refused',
  'sandbox.abi.violation',
  'sandbox.worker.died',
  'sandbox.quarantined',
] as const;
export type TrapCode = (typeof TRAP_CODES)[number];
