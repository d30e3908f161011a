/**
 * wasmap as a library: the same Scanner the CLI runs.
 *
 *   import { scan } from 'wasmap';
 *   for await (const ev of scan(['127.0.0.1'], { ports: '22,80' })) console.log(ev);
 */
export { scan } from './scan/scan-stream.js';
export { Scanner, type RunHooks, type ScanOutcome } from './scan/scanner.js';
export type { ScanOptions, ScanNotice, ShownState } from './scan/scan-options.js';
export { PluginsRefusedError } from './scan/plugins-refused-error.js';
export { InstalledPlugins, type ReloadReport, type LiveOptions, type InstalledLease, type InstalledRefusal } from './store/live-plugins.js';
export { storePaths, type StorePaths } from './store/paths.js';
export { StoreError } from './store/store-error.js';
export { PluginRuntime } from './sandbox/runtime.js';
export type { LoadedPlugin, RuntimeOptions } from './sandbox/types.js';
export { ScanFailedError } from './scan/scan-failed-error.js';
export type { ScanSummary } from './report/summary.js';
export { WasmapError, UsageError } from './errors.js';
export { STATUSES, TRAP_CODES, type TrapCode } from './sandbox/types.js';
export { buildTargetSet, TargetSet } from './targets/target-set.js';
export { parsePorts, topPorts } from './targets/ports.js';
export { ModuleRegistry } from './engine/registry.js';
export { builtinRegistry } from './modules/builtin/index.js';
export { runDag } from './engine/dag-executor.js';
export { loadDag } from './engine/dag-load.js';
export { createDag } from './engine/dag.js';
export type { ScanEvent, PortResult, BannerResult, PortState } from './model/event.js';
export type { ModuleDescriptor, ModuleInstance, ExecutionIO } from './engine/module.js';
