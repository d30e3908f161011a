/**
 * `wasmap plugin test`: one invocation of one plugin through the real
 * runtime, against a live service, with what an author needs to see:
 * the result, the logs, the limits in force and how long it took.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../errors.js';
import { parseConfigAssignment } from '../engine/config-schema.js';
import { PluginRuntime } from '../sandbox/runtime.js';
import type { InvocationInput, InvocationResult, InvocationTarget, Limits, LoadedPlugin, PluginManifest } from '../sandbox/types.js';

export interface TryOptions {
  /** `HOST:PORT` or `[V6]:PORT`; required for scanner and detection kinds. */
  target?: string;
  udp?: boolean;
  tls?: boolean;
  /** `key=value` pairs, typed by the plugin's config schema. */
  config?: string[];
  /** Bytes for the `banner` context key. */
  bannerFile?: string;
  /** JSON array or JSONL of events for the `events` context key (output/evaluator kinds). */
  eventsFile?: string;
  /** `key=JSON` context values, e.g. `open_ports=[22,80]`. */
  context?: string[];
  limits?: Partial<Limits>;
  cacheDir?: string;
}

export interface TryReport {
  plugin: { path: string; name: string; version: string; kind: string; sha256: string; asyncified: boolean };
  target?: InvocationTarget;
  config: Record<string, unknown>;
  result: InvocationResult;
  limits: Limits;
  timing: { load_ms: number; invoke_ms: number };
}

/** `HOST:PORT` → target; a name is resolved here (the target must be an address). */
export async function parseTarget(spec: string, udp = false, tls = false): Promise<InvocationTarget> {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(spec) ?? /^([^:]+):(\d+)$/.exec(spec);
  if (!m) throw new UsageError(`bad --target '${spec}': expected HOST:PORT or [IPV6]:PORT`);
  const host = m[1]!;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`bad --target '${spec}': port must be 1-65535`);
  const target: InvocationTarget = { ip: host, port, transport: udp ? 'udp' : 'tcp' };
  if (!isIP(host)) {
    try {
      target.ip = (await lookup(host)).address;
    } catch {
      throw new UsageError(`bad --target '${spec}': '${host}' does not resolve`);
    }
    target.hostname = host;
  }
  if (tls) target.tls = true;
  return target;
}

function parseJson(raw: string, err: Error): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw err;
  }
}

/**
 * `k=v` pairs → a config map typed by the schema, with the rules of every
 * other config flag (engine/config-schema.ts parseConfigAssignment);
 * validation proper is the runtime's.
 */
export function parseConfigArgs(pairs: string[], manifest: PluginManifest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const { key, value } = parseConfigAssignment(p, manifest.config);
    out[key] = value;
  }
  return out;
}

async function readInput(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${what} '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function readEvents(file: string): Promise<unknown[]> {
  const text = (await readInput(file, '--events-file')).toString('utf8').trim();
  try {
    if (text.startsWith('[')) return JSON.parse(text) as unknown[];
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  } catch (e) {
    throw new UsageError(`--events-file '${file}': not JSON or JSONL (${(e as Error).message})`);
  }
}

/** Loads `path` and runs it once; the runtime is closed afterwards. */
export async function tryPlugin(path: string, opts: TryOptions): Promise<TryReport> {
  const rt = new PluginRuntime({ workers: 1, limits: opts.limits, cacheDir: opts.cacheDir });
  try {
    const t0 = performance.now();
    const plugin: LoadedPlugin = await rt.load(path);
    const t1 = performance.now();
    const m = plugin.manifest;
    const input: InvocationInput = {};
    if (opts.target) input.target = await parseTarget(opts.target, opts.udp, opts.tls);
    else if (m.kind === 'scanner' || m.kind === 'detection') throw new UsageError(`a ${m.kind} plugin needs --target HOST:PORT`);
    const config = parseConfigArgs(opts.config ?? [], m);
    input.config = config;
    const context: Record<string, unknown> = {};
    if (opts.bannerFile) context.banner = new Uint8Array(await readInput(opts.bannerFile, '--banner-file'));
    if (opts.eventsFile) context.events = await readEvents(opts.eventsFile);
    for (const pair of opts.context ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`bad --context '${pair}': expected KEY=JSON`);
      context[pair.slice(0, eq)] = parseJson(pair.slice(eq + 1), new UsageError(`bad --context '${pair}': the value is not JSON`));
    }
    if (Object.keys(context).length) input.context = context;
    const t2 = performance.now();
    const result = await rt.invoke(plugin, input);
    const t3 = performance.now();
    return {
      plugin: { path, name: m.name, version: m.version, kind: m.kind, sha256: plugin.sha256, asyncified: plugin.asyncified },
      ...(input.target ? { target: input.target } : {}),
      config: rt.validateConfig(plugin, config),
      result,
      limits: plugin.limits,
      timing: { load_ms: Math.round(t1 - t0), invoke_ms: Math.round(t3 - t2) },
    };
  } finally {
    await rt.close();
  }
}
