/**
 * `wasmap/testing`: what a plugin's own tests need, on the real runtime and
 * from the installed wasmap package (no paths into a checkout). A plugin
 * made by `wasmap plugin new --lang as` tests itself with it:
 *
 *   import { buildPlugin, openPlugin } from 'wasmap/testing';
 *   const { path } = await buildPlugin(pluginDir);   // as `wasmap plugin build`
 *   const plugin = await openPlugin(path);           // loaded once, one worker
 *   const r = await plugin.run({ target: '127.0.0.1:6379', config: { probe: 'PING\r\n' } });
 *   await plugin.close();
 *
 * `runPlugin(path, input)` is the one-shot form. Results are the runtime's
 * own (`status`, `data`, `summary`, `service`, `findings`, `logs`, `emitted`,
 * `sandbox`), exactly what a scan turns into events.
 */
import { PluginRuntime } from './sandbox/runtime.js';
import { parseTarget } from './authoring/try-plugin.js';
import type { InvocationInput, InvocationResult, InvocationTarget, Limits, LoadedPlugin } from './sandbox/types.js';

export { buildPlugin, type BuildOptions, type BuildResult } from './authoring/build.js';
export type { InvocationResult, InvocationTarget, Limits, LoadedPlugin, PluginManifest } from './sandbox/types.js';

/** A target as a plugin sees it; `transport` defaults to `tcp`. */
export interface TargetLike {
  ip: string;
  port: number;
  transport?: 'tcp' | 'udp';
  hostname?: string;
  tls?: boolean;
}

export interface RunInput {
  /** `HOST:PORT`, `[V6]:PORT` (a name is resolved) or a target. Required for scanner and detection plugins. */
  target?: string | TargetLike;
  /** Config values, checked against the manifest's schema with defaults filled, as in a scan. */
  config?: Record<string, unknown>;
  /** DataContext values the plugin `requires`, e.g. `{ banner: Uint8Array }`, `{ events: [...] }`, `{ open_ports: [...] }`. */
  context?: Record<string, unknown>;
}

export interface OpenOptions {
  /** Sandbox limits for every run, as `--plugin-limit` (defaults: docs/plugins.md). */
  limits?: Partial<Limits>;
  /** Endpoints granted to a `network:any` plugin, as `--allow-net`. */
  allowNet?: string[];
  /** Where Asyncify results are cached (default: wasmap's cache directory). */
  cacheDir?: string;
}

export interface OpenedPlugin {
  /** The loaded plugin: manifest, imports, exports, sha256, limits. */
  readonly plugin: LoadedPlugin;
  /** One invocation. Resolves for anything the plugin does (a trap is `application-error`). */
  run(input?: RunInput): Promise<InvocationResult>;
  close(): Promise<void>;
}

async function toTarget(t: string | TargetLike): Promise<InvocationTarget> {
  if (typeof t === 'string') return parseTarget(t);
  return { ...t, transport: t.transport ?? 'tcp' };
}

/** Loads a plugin (`.wasm` path or bytes) into a runtime of its own; close it when done. */
export async function openPlugin(wasm: string | Uint8Array, opts: OpenOptions = {}): Promise<OpenedPlugin> {
  const rt = new PluginRuntime({ workers: 1, limits: opts.limits, allowNet: opts.allowNet, cacheDir: opts.cacheDir });
  let plugin: LoadedPlugin;
  try {
    plugin = await rt.load(wasm);
  } catch (e) {
    await rt.close();
    throw e;
  }
  return {
    plugin,
    async run(input: RunInput = {}): Promise<InvocationResult> {
      const inv: InvocationInput = {};
      if (input.target !== undefined) inv.target = await toTarget(input.target);
      if (input.config) inv.config = input.config;
      if (input.context) inv.context = input.context;
      return rt.invoke(plugin, inv);
    },
    close: () => rt.close(),
  };
}

/** Loads, runs once and closes: `runPlugin('build/x.wasm', { target: '127.0.0.1:6379' })`. */
export async function runPlugin(wasm: string | Uint8Array, input: RunInput & OpenOptions = {}): Promise<InvocationResult> {
  const p = await openPlugin(wasm, input);
  try {
    return await p.run(input);
  } finally {
    await p.close();
  }
}
