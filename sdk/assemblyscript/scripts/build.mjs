#!/usr/bin/env node
// Builds an AssemblyScript wasmap plugin: asc, then the manifest from
// plugin.toml embedded as the `wasmap.manifest` section.
//
//   node sdk/assemblyscript/scripts/build.mjs <plugin-dir> [-o out.wasm]
//
// As a library (what `wasmap plugin build` can reuse):
//   ascArgs(build, outFile, pathDir) → the exact asc argv (README "Build"), cwd = plugin dir
//   buildPlugin(pluginDir, { readPluginToml, packManifest, outFile })
// The TOML reader and packer are passed in so this file stays plain ESM
// runnable by node, while tests and the CLI hand in the sources' functions.
// Run as a script it takes them from the compiled dist/ (npm run build).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** sdk/assemblyscript */
export const SDK_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(SDK_DIR, '..', '..');

/** Default `[build] runtime` (README "Memory model" says why). */
export const DEFAULT_RUNTIME = 'incremental';

/**
 * A directory to pass as `asc --path` in which `@wasmap/sdk-assemblyscript`
 * is this SDK (a symlink in the temp dir; asc resolves package names only
 * from node_modules-like folders and does not read `ascMain`).
 */
export function sdkPathDir() {
  // one per SDK checkout, so two checkouts never flip each other's link
  const tag = createHash('sha256').update(SDK_DIR).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `wasmap-as-sdk-${tag}`);
  const link = join(dir, '@wasmap', 'sdk-assemblyscript');
  let ok = false;
  try {
    ok = readlinkSync(link) === SDK_DIR;
  } catch {
    /* absent */
  }
  if (!ok) {
    mkdirSync(dirname(link), { recursive: true });
    const tmp = `${link}.${process.pid}.tmp`;
    symlinkSync(SDK_DIR, tmp);
    // rename over a stale link is atomic; a concurrent builder writes the same target
    renameSync(tmp, link);
  }
  return dir;
}

/**
 * The asc argv (without `asc` itself), run with the plugin directory as cwd:
 *   <entry> -O3 --noAssert --runtime <runtime> --exportRuntime -o <outFile> [asc_flags…] --path <pathDir>
 * `entry` = `[build] entry` (default assembly/index.ts), `runtime` = `[build]
 * runtime` (default incremental), `asc_flags` = `[build] asc_flags` (strings).
 */
export function ascArgs(build, outFile, pathDir) {
  const entry = typeof build.entry === 'string' ? build.entry : 'assembly/index.ts';
  const runtime = typeof build.runtime === 'string' ? build.runtime : DEFAULT_RUNTIME;
  const extra = Array.isArray(build.asc_flags) ? build.asc_flags.map(String) : [];
  return [entry, '-O3', '--noAssert', '--runtime', runtime, '--exportRuntime', '-o', outFile, ...extra, '--path', pathDir];
}

/** node_modules/.bin/asc of the repo (or of the plugin, if it has its own). */
export function ascBin(pluginDir) {
  for (const base of [pluginDir, REPO]) {
    const p = join(base, 'node_modules', '.bin', 'asc');
    if (existsSync(p)) return p;
  }
  return 'asc';
}

function run(cmd, args, cwd) {
  return new Promise((res, rej) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')} failed:\n${stderr || stdout || err.message}`));
      else res();
    });
  });
}

/**
 * Compiles `pluginDir` and embeds its manifest. Returns `{ wasm, manifest,
 * outFile, args }`; writes `outFile` (default `<pluginDir>/build/<name>.wasm`).
 * `readPluginToml(path)` → `{manifest, build}`; `packManifest(wasm, manifest)` → bytes.
 */
export async function buildPlugin(pluginDir, { readPluginToml, packManifest, outFile } = {}) {
  if (!readPluginToml || !packManifest) throw new Error('buildPlugin needs readPluginToml and packManifest');
  const dir = resolve(pluginDir);
  const { manifest, build } = await readPluginToml(join(dir, 'plugin.toml'));
  if (build.lang !== undefined && build.lang !== 'assemblyscript')
    throw new Error(`${join(dir, 'plugin.toml')}: [build] lang is '${build.lang}', not 'assemblyscript'`);
  const out = resolve(outFile ?? join(dir, 'build', `${manifest.name}.wasm`));
  mkdirSync(dirname(out), { recursive: true });
  const args = ascArgs(build, out, sdkPathDir());
  await run(ascBin(dir), args, dir);
  const wasm = packManifest(new Uint8Array(readFileSync(out)), manifest);
  writeFileSync(out, wasm);
  return { wasm, manifest, outFile: out, args };
}

async function main(argv) {
  const dir = argv[0];
  if (!dir || dir === '-h' || dir === '--help') {
    console.error('usage: node sdk/assemblyscript/scripts/build.mjs <plugin-dir> [-o out.wasm]');
    process.exit(dir ? 0 : 2);
  }
  const o = argv.indexOf('-o');
  const outFile = o >= 0 ? argv[o + 1] : undefined;
  const dist = join(REPO, 'dist', 'sandbox', 'authoring');
  if (!existsSync(join(dist, 'pack.js'))) {
    console.error(`${dist}/pack.js not found: run \`npm run build\` first`);
    process.exit(2);
  }
  const { packManifest } = await import(pathToFileURL(join(dist, 'pack.js')).href);
  const { readPluginToml } = await import(pathToFileURL(join(dist, 'plugin-toml.js')).href);
  const r = await buildPlugin(dir, { readPluginToml, packManifest, outFile });
  console.log(`${r.outFile} (${r.wasm.length} bytes): ${r.manifest.name} ${r.manifest.version} ${r.manifest.kind}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
