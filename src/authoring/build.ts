/**
 * `wasmap plugin build`: compile a plugin directory per its `[build].lang`,
 * embed plugin.toml as the manifest (same packing for every language), and
 * load the result with the runtime's loader so a bad plugin fails here, not
 * in a scan.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../errors.js';
import { loadPlugin } from '../sandbox/plugin.js';
import type { LoadedPlugin } from '../sandbox/types.js';
import { capabilityWarnings } from './import-capabilities.js';
import { packManifest } from './pack.js';
import { readPluginToml } from './plugin-toml.js';
import { runTool } from './run-tool.js';
import { ascScript, rustToolchain, sdkDir } from './toolchain.js';

export type PluginLang = 'rust' | 'assemblyscript';

export interface BuildOptions {
  /** Receives compiler diagnostics as they come (default: discarded). */
  onOutput?: (chunk: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Asyncify cache for the validating load. */
  cacheDir?: string;
  /** Rust target triple, overriding `[build] target` (e.g. `wasm32-wasi`). */
  rustTarget?: string;
  /** Where to write the plugin; default `DIR/build/<name>.wasm`. */
  output?: string;
}

export interface BuildResult {
  /** `DIR/build/<name>.wasm`, or the requested output */
  path: string;
  sha256: string;
  size: number;
  lang: PluginLang;
  plugin: LoadedPlugin;
  /** Problems that do not stop the build, e.g. an import whose capability is not declared. */
  warnings: string[];
}

function lang(build: Record<string, unknown>, file: string): PluginLang {
  const l = build.lang;
  if (l === 'rust') return 'rust';
  if (l === 'assemblyscript' || l === 'as') return 'assemblyscript';
  throw new UsageError(`${file}: [build] lang must be "rust" or "assemblyscript"${l === undefined ? '' : `, not ${JSON.stringify(l)}`}`);
}

function str(build: Record<string, unknown>, key: string, file: string): string | undefined {
  const v = build[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`${file}: [build] ${key} must be a non-empty string`);
  return v;
}

interface CargoArtifact {
  reason?: string;
  target?: { kind?: string[] };
  filenames?: string[];
}

/**
 * `wasmap plugin new` points Cargo.toml at the Rust SDK of the wasmap that
 * made it (an installed package's `sdk/rust`). If that wasmap moved (a new
 * Node under nvm, another machine), say where this one's SDK is instead of
 * cargo's "failed to read".
 */
async function checkSdkPath(dir: string): Promise<void> {
  const file = join(dir, 'Cargo.toml');
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return; // cargo reports a bad Cargo.toml itself
  }
  const dep = (doc.dependencies as Record<string, unknown> | undefined)?.['wasmap-sdk'];
  const path = dep && typeof dep === 'object' ? (dep as { path?: unknown }).path : undefined;
  if (typeof path !== 'string') return;
  const abs = isAbsolute(path) ? path : join(dir, path);
  if (!existsSync(join(abs, 'Cargo.toml')))
    throw new UsageError(`${file}: wasmap-sdk path '${path}' has no Cargo.toml; this wasmap's Rust SDK is ${join(sdkDir(), 'rust')}`);
}

async function buildRust(dir: string, build: Record<string, unknown>, file: string, opts: BuildOptions): Promise<Uint8Array> {
  if (!existsSync(join(dir, 'Cargo.toml'))) throw new UsageError(`${dir}: no Cargo.toml (needed for [build] lang = "rust")`);
  await checkSdkPath(dir);
  const target = opts.rustTarget ?? str(build, 'target', file) ?? 'wasm32-unknown-unknown';
  const env = opts.env ?? process.env;
  const tc = rustToolchain(env, dir);
  const args = ['build', '--release', '--target', target, '--message-format=json-render-diagnostics', ...tc.offlineFlags];
  const run = await runTool(tc.cargo, args, {
    cwd: dir,
    env: { ...env, ...(tc.rustc ? { RUSTC: tc.rustc } : {}) },
    onStderr: opts.onOutput,
  });
  // The cdylib's path, as cargo reports it (honours CARGO_TARGET_DIR and [lib] name).
  let wasm: string | undefined;
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line) as CargoArtifact;
    if (msg.reason === 'compiler-artifact' && msg.target?.kind?.includes('cdylib')) {
      wasm = msg.filenames?.find((f) => f.endsWith('.wasm')) ?? wasm;
    }
  }
  if (!wasm) throw new UsageError(`${dir}: cargo built no .wasm (is [lib] crate-type = ["cdylib"] set?)`);
  return new Uint8Array(await readFile(wasm));
}

/** The AS SDK's build helpers (sdk/assemblyscript/scripts/build.mjs): the asc argv lives there, once. */
interface AsBuildScript {
  ascArgs(build: Record<string, unknown>, outFile: string, pathDir: string): string[];
  sdkPathDir(): string;
}

async function buildAs(dir: string, build: Record<string, unknown>, file: string, opts: BuildOptions): Promise<Uint8Array> {
  const entry = str(build, 'entry', file) ?? 'assembly/index.ts';
  if (!existsSync(join(dir, entry))) throw new UsageError(`${file}: [build] entry '${entry}' does not exist`);
  const runtime = str(build, 'runtime', file);
  if (runtime !== undefined && runtime !== 'stub' && runtime !== 'minimal' && runtime !== 'incremental')
    throw new UsageError(`${file}: [build] runtime must be stub, minimal or incremental`);
  const extra = build.asc_flags;
  if (extra !== undefined && !(Array.isArray(extra) && extra.every((x) => typeof x === 'string')))
    throw new UsageError(`${file}: [build] asc_flags must be a list of strings`);
  const script = join(sdkDir(), 'assemblyscript', 'scripts', 'build.mjs');
  if (!existsSync(script)) throw new UsageError(`AssemblyScript SDK not found (${script})`);
  const as = (await import(pathToFileURL(script).href)) as AsBuildScript;
  const asc = ascScript(dir);
  if (!asc) throw new UsageError('AssemblyScript compiler not found: npm install --save-dev assemblyscript');
  const tmp = await mkdtemp(join(tmpdir(), 'wasmap-asc-'));
  try {
    const out = join(tmp, 'out.wasm');
    await runTool(process.execPath, [asc, ...as.ascArgs(build, out, as.sdkPathDir())], { cwd: dir, env: opts.env, onStderr: opts.onOutput, name: 'asc' });
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Compiles, packs and validates the plugin in `dir`. */
export async function buildPlugin(dirArg: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const dir = resolve(dirArg);
  const file = join(dir, 'plugin.toml');
  if (!existsSync(file)) throw new UsageError(`${dirArg}: no plugin.toml (create one with 'wasmap plugin new')`);
  const { manifest, build } = await readPluginToml(file);
  const l = lang(build, file);
  const raw = l === 'rust' ? await buildRust(dir, build, file, opts) : await buildAs(dir, build, file, opts);
  const bytes = packManifest(raw, manifest);
  // Validate before writing, so build/ never holds a plugin the loader refuses.
  const plugin = await loadPlugin(bytes, { cacheDir: opts.cacheDir });
  const path = opts.output ? resolve(opts.output) : join(dir, 'build', `${String(manifest.name)}.wasm`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write '${path}': ${e.code ?? e.message}`);
  });
  const warnings = capabilityWarnings(plugin.imports, plugin.manifest.capabilities);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, lang: l, plugin, warnings };
}
