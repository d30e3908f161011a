/**
 * wasmap's plugin runtime: loads untrusted `.wasm` plugins (ABI v1,
 * docs/abi.md) and runs them in a worker pool under limits.
 */
export type {
  ConfigField,
  InvocationInput,
  InvocationResult,
  InvocationTarget,
  Limits,
  LoadedPlugin,
  LogLine,
  PluginKind,
  PluginManifest,
  PluginMatch,
  RuntimeOptions,
  SandboxStats,
  Status,
  TrapCode,
} from './types.js';
export { STATUSES, TRAP_CODES } from './types.js';
export { DEFAULT_LIMITS, LIMIT_KEYS, resolveLimits } from './limits.js';
export { loadPlugin, DEFAULT_MAX_BYTES, type LoadOptions } from './plugin.js';
export { validateConfig } from './config.js';
export { PluginRuntime } from './runtime.js';
export { defaultCacheDir } from './asyncify.js';
export { E as ABI_ERRORS } from './errno.js';
