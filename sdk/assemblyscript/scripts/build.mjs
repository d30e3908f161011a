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
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
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

/**
 * The compiler: the plugin's own `node_modules/.bin/asc` if it has one, else
 * the `assemblyscript` wasmap depends on, found by Node's resolution from
 * here (so a hoisted `npm install wasmap` finds it too), else `asc` on PATH.
 */
export function ascBin(pluginDir) {
  const own = join(pluginDir, 'node_modules', '.bin', 'asc');
  if (existsSync(own)) return own;
  try {
    const pkg = createRequire(join(SDK_DIR, 'package.json')).resolve('assemblyscript/package.json');
    return join(dirname(pkg), 'bin', 'asc.js');
  } catch {
    return 'asc';
  }
}

function run(cmd, args, cwd) {
  // a .js entry runs under this node (npm's bin links are executable, the package file may not be)
  if (cmd.endsWith('.js')) [cmd, args] = [process.execPath, [cmd, ...args]];
  return new Promise((res, rej) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')} failed:\n${stderr || stdout || err.message}`));
      else res();
    });
  });
}

/**
 * Where compiled outputs are kept by the hash of everything that makes them
 * (WASMAP_BUILD_CACHE=0 turns it off): the same sources never compile twice,
 * which is most of a test run's time otherwise.
 */
function buildCacheDir() {
  const v = process.env.WASMAP_BUILD_CACHE;
  if (v === '0') return undefined;
  return v || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'wasmap', 'as-build');
}

/** Every file under `dir` (sorted, recursive). */
function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((x, y) => (x.name < y.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const isFile = (f) => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

const IMPORT_RE = /(?:from|import)\s*["']([^"']+)["']/g;

/** The entry and every source it imports by relative path, transitively (package imports are the SDK's). */
function sourceGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || !isFile(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
      const spec = m[1];
      if (!spec.startsWith('.')) continue;
      const base = resolve(dirname(file), spec);
      const f = [base, `${base}.ts`, join(base, 'index.ts')].find(isFile);
      if (f) visit(f);
    }
  };
  visit(entry);
  return [...seen].sort();
}

/**
 * The cache key: the compiler and its version, the asc argv (output path
 * left out), the bytes of the entry and every file it imports by relative
 * path (a test harness imports its plugin's parser; https builds http's
 * source), and this SDK's assembly folder.
 */
function buildKey(asc, args, dir, entry) {
  const h = createHash('sha256');
  let version = '';
  try {
    version = readFileSync(join(dirname(dirname(asc)), 'package.json'), 'utf8');
  } catch {
    /* asc on PATH: its path stands in */
  }
  // paths relative to the plugin and the SDK, so another checkout of the same sources hits the cache
  h.update(`${version || asc}\0${JSON.stringify(args)}\0`);
  for (const f of sourceGraph(resolve(dir, entry))) h.update(`${relative(dir, f)}\0`).update(readFileSync(f)).update('\0');
  for (const f of filesUnder(join(SDK_DIR, 'assembly'))) h.update(`sdk/${relative(SDK_DIR, f)}\0`).update(readFileSync(f)).update('\0');
  return h.digest('hex');
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
  const asc = ascBin(dir);
  const cacheDir = buildCacheDir();
  const cached = cacheDir && join(cacheDir, `${buildKey(asc, ascArgs(build, '<out>', '<sdk>'), dir, args[0])}.wasm`);
  if (cached && existsSync(cached)) copyFileSync(cached, out);
  else {
    await run(asc, args, dir);
    if (cached) {
      try {
        mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cached}.${process.pid}.tmp`;
        copyFileSync(out, tmp);
        renameSync(tmp, cached); // atomic: a concurrent build never reads half a file
      } catch {
        /* an unwritable cache only costs time */
      }
    }
  }
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
  const dist = join(REPO, 'dist', 'authoring');
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
