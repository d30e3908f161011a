#!/usr/bin/env node
// Proves this machine has every program and file the build, the tests and the
// benchmarks use (scripts/check-deps.table.mjs), each from a Debian package
// that a fresh machine gets from .ci/apt-packages.txt: one listed there, one
// of Priority required or Essential, or one those pull in through Depends /
// Pre-Depends. apt installs Depends even with --no-install-recommends, and
// skips Recommends and Suggests: that is how rust-lld's lld-14 went missing
// on a fresh machine while every machine that already had it passed.
// Also checks that each listed package is installed.
//
// Usage: node scripts/check-deps.mjs [--packages FILE] [--verbose]
// Exit 0: complete. Exit 1: one line per problem on stderr. Exit 2: bad usage.
// Runs in scripts/install-deps.sh (after apt, before the build) and in
// test/global-setup.ts (before any test).

import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEPS } from './check-deps.table.mjs';

/** @typedef {import('./check-deps.table.mjs').Dep} Dep */
/** @typedef {{status: string, priority: string, essential: boolean, provides: string[], deps: string[][]}} PkgInfo */
/**
 * One checked entry, for --verbose.
 * @typedef {object} Row
 * @property {string} label how a message names it: the program, and where it leads
 * @property {string} [real] the file it resolves to
 * @property {string[]} owners Debian packages owning `real`
 * @property {string} [why] how a fresh machine gets the owner (listed, required, a chain of Depends)
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_PACKAGES_FILE = path.join(REPO, '.ci', 'apt-packages.txt');
const DPKG_QUERY = '/usr/bin/dpkg-query';
// dpkg's own lookups must not depend on the PATH under test
const SYSTEM_ENV = { ...process.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };
const PROBE_TIMEOUT_MS = 30_000;
const PROBE_CONCURRENCY = 4;

/** Bad input to the check itself (exit 2), not a missing dependency. */
export class CheckUsageError extends Error {
  code = 'WASMAP_CHECK_DEPS_USAGE';
}

/** Package names in an apt list, as install-deps.sh reads it (whole-line # comments). @param {string} file */
export function readPackageList(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckUsageError(`cannot read the package list ${file}: ${/** @type {Error} */ (e).message}`);
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/** `name (>= 1) | other:any` → ['name', 'other']. @param {string} field @returns {string[][]} */
function parseDepends(field) {
  return field.split(',').map((g) => g.trim()).filter(Boolean)
    .map((g) => g.split('|').map((alt) => alt.trim().split(/[\s(:[]/)[0]));
}

/** Every package dpkg knows, by name. @returns {Map<string, PkgInfo> | undefined} undefined without dpkg */
function readDpkg() {
  const fmt = '${Package}\t${db:Status-Status}\t${Priority}\t${Essential}\t${Provides}\t${Pre-Depends}, ${Depends}\n';
  const r = spawnSync(DPKG_QUERY, ['-W', `-f=${fmt}`], { encoding: 'utf8', maxBuffer: 64 << 20, env: SYSTEM_ENV });
  if (r.error || r.status !== 0) return undefined;
  /** @type {Map<string, PkgInfo>} */
  const pkgs = new Map();
  for (const line of r.stdout.split('\n')) {
    const [name, status, priority, essential, provides, deps] = line.split('\t');
    if (!name || deps === undefined) continue;
    const prev = pkgs.get(name); // a multi-arch package appears once per architecture
    if (prev && prev.status === 'installed') continue;
    pkgs.set(name, {
      status,
      priority,
      essential: essential === 'yes',
      provides: parseDepends(provides).map((g) => g[0]),
      deps: parseDepends(deps),
    });
  }
  return pkgs;
}

/**
 * The installed packages a fresh machine gets from `listed`: each maps to the
 * package whose Depends pulled it in, or to null for a root (listed, required,
 * essential). Of `a | b` only `a` counts, as apt picks the first alternative.
 * @param {Map<string, PkgInfo>} pkgs @param {string[]} listed
 * @returns {Map<string, string | null>}
 */
function freshClosure(pkgs, listed) {
  const installed = (/** @type {string} */ n) => pkgs.get(n)?.status === 'installed';
  /** @type {Map<string, string[]>} */
  const providers = new Map();
  for (const [name, p] of pkgs) {
    if (p.status !== 'installed') continue;
    for (const v of p.provides) providers.set(v, [...(providers.get(v) ?? []), name]);
  }
  /** @type {Map<string, string | null>} */
  const via = new Map();
  const roots = [...listed.filter(installed), ...[...pkgs].filter(([n, p]) => installed(n) && (p.priority === 'required' || p.essential)).map(([n]) => n)];
  for (const r of roots) if (!via.has(r)) via.set(r, null);
  const queue = [...via.keys()];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const [first] of pkgs.get(p)?.deps ?? []) {
      const dep = installed(first) ? first : providers.get(first)?.[0];
      if (dep !== undefined && !via.has(dep)) {
        via.set(dep, p);
        queue.push(dep);
      }
    }
  }
  return via;
}

/** `openssh-server > openssh-client`, or `listed` / `required`. */
function whyCovered(/** @type {Map<string, string | null>} */ via, /** @type {Set<string>} */ listed, /** @type {string} */ pkg) {
  const chain = [pkg];
  for (let p = via.get(pkg); p; p = via.get(p)) chain.unshift(p);
  if (chain.length > 1) return chain.join(' > ');
  return listed.has(pkg) ? 'listed' : 'required';
}

const GLOB = /[*?[]/;

/** The newest match of a pattern whose `*`, `?` and [..] stay within one segment. @param {string} pattern */
function globNewest(pattern) {
  /** @type {string[]} */
  let found = ['/'];
  for (const seg of pattern.split('/').filter(Boolean)) {
    if (!GLOB.test(seg)) {
      found = found.map((d) => path.join(d, seg));
      continue;
    }
    const re = new RegExp(`^${seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    found = found.flatMap((d) => {
      try {
        return fs.readdirSync(d).filter((n) => re.test(n)).map((n) => path.join(d, n));
      } catch {
        return [];
      }
    });
  }
  found = found.filter((f) => fs.existsSync(f));
  return found.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1);
}

/**
 * Follows symlinks one hop at a time, so a dangling one says which target is absent.
 * @param {string} file @returns {{real?: string, missing?: string}}
 */
function follow(file) {
  let p = file;
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = fs.lstatSync(p);
    } catch {
      return { missing: p };
    }
    if (!st.isSymbolicLink()) return { real: fs.realpathSync(p) };
    p = path.resolve(path.dirname(p), fs.readlinkSync(p));
  }
  return { missing: p };
}

/**
 * Where the code's `cmd` leads: execvp's PATH search for a bare name (a
 * dangling link is skipped, as execvp does, but remembered for the message).
 * @param {Dep} dep @param {string} pathVar
 * @returns {{found?: string, real?: string, missing?: string}}
 */
function locate(dep, pathVar) {
  if (dep.cmd.startsWith('/')) {
    const file = GLOB.test(dep.cmd) ? globNewest(dep.cmd) : dep.cmd;
    if (!file) return { missing: dep.cmd };
    const r = follow(file);
    return r.real ? { found: file, real: r.real } : { missing: r.missing };
  }
  /** @type {string | undefined} */
  let dangling;
  for (const dir of pathVar.split(':')) {
    if (!dir.startsWith('/')) continue;
    const file = path.join(dir, dep.cmd);
    const r = follow(file);
    if (r.real) {
      if (fs.statSync(r.real).isFile()) return { found: file, real: r.real };
    } else if (r.missing !== file) {
      dangling ??= r.missing;
    }
  }
  return { missing: dangling };
}

/** `/usr/bin/x` ↔ `/bin/x`: dpkg records a file under the name its package ships, before /usr was merged. */
function usrAlias(/** @type {string} */ p) {
  const m = /^\/usr(\/(?:s?bin|lib[^/]*)\/.*)$/.exec(p);
  if (m) return m[1];
  return /^\/(?:s?bin|lib[^/]*)\//.test(p) ? `/usr${p}` : undefined;
}

/** Package owners of files, in one dpkg-query -S run. @param {string[]} files @returns {Map<string, string[]>} */
function owners(files) {
  const asked = [...new Set(files.flatMap((f) => [f, usrAlias(f)].filter((x) => x !== undefined)))];
  /** @type {Map<string, string[]>} */
  const byPath = new Map();
  if (!asked.length) return byPath;
  const r = spawnSync(DPKG_QUERY, ['-S', ...asked], { encoding: 'utf8', maxBuffer: 16 << 20, env: SYSTEM_ENV });
  for (const line of (r.stdout ?? '').split('\n')) {
    const at = line.indexOf(': /');
    if (at < 0 || line.startsWith('diversion by')) continue;
    byPath.set(line.slice(at + 2), line.slice(0, at).split(', ').map((p) => p.split(':')[0]));
  }
  /** @type {Map<string, string[]>} */
  const out = new Map();
  for (const f of files) {
    const alias = usrAlias(f);
    const o = byPath.get(f) ?? (alias ? byPath.get(alias) : undefined);
    if (o) out.set(f, o);
  }
  return out;
}

/**
 * Runs `file args` at most PROBE_CONCURRENCY at a time, each file and args
 * once; resolves to what went wrong, or undefined.
 * @param {NodeJS.ProcessEnv} env @returns {(file: string, args: string[]) => Promise<string | undefined>}
 */
function makeProber(env) {
  let running = 0;
  /** @type {(() => void)[]} */
  const waiting = [];
  /** @type {Map<string, Promise<string | undefined>>} */
  const done = new Map();
  /** @param {string} file @param {string[]} args @returns {Promise<string | undefined>} */
  const run = async (file, args) => {
    if (running >= PROBE_CONCURRENCY) await new Promise((r) => waiting.push(() => r(undefined)));
    running++;
    try {
      return await new Promise((resolve) => {
        execFile(file, args, { env, timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' }, (err, _out, stderr) => {
          if (!err) return resolve(undefined);
          const first = String(stderr).trim().split('\n')[0] ?? '';
          const how = err.killed ? 'timed out' : typeof err.code === 'number' ? `exit ${err.code}` : String(err.code ?? err.message);
          resolve(first ? `${how}: ${first}` : how);
        });
      });
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  return (file, args) => {
    const key = [file, ...args].join('\0');
    const p = done.get(key) ?? run(file, args);
    done.set(key, p);
    return p;
  };
}

/**
 * @typedef {object} CheckOptions
 * @property {string} [packagesFile] default .ci/apt-packages.txt
 * @property {NodeJS.ProcessEnv} [env] PATH for bare names, and the probes' environment
 */

/**
 * @param {CheckOptions} [opts]
 * @returns {Promise<{problems: string[], rows: Row[], unneeded: string[]}>}
 */
export async function checkDeps(opts = {}) {
  const file = path.resolve(opts.packagesFile ?? DEFAULT_PACKAGES_FILE);
  const env = opts.env ?? process.env;
  const rel = path.relative(REPO, file);
  const listName = rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
  const listed = new Set(readPackageList(file));
  const pkgs = readDpkg();
  if (!pkgs) {
    return { problems: [`${DPKG_QUERY} does not run: wasmap's build and tests expect Debian 12 with the packages in ${listName}`], rows: [], unneeded: [] };
  }
  const installed = (/** @type {string} */ n) => pkgs.get(n)?.status === 'installed';
  const via = freshClosure(pkgs, [...listed]);
  /** What to do about a program of `pkg` that is missing (or not on PATH). */
  const fix = (/** @type {string} */ pkg, notOnPath = false) => {
    if (!listed.has(pkg) && !via.has(pkg)) return `add ${pkg} to ${listName}`;
    if (!installed(pkg)) return `install it (${pkg} is in ${listName}): bash scripts/install-deps.sh`;
    if (notOnPath) return `${pkg} is installed: is its directory on PATH?`;
    return `${pkg} is installed without it: apt-get install --reinstall ${pkg}`;
  };

  const located = DEPS.map((dep) => ({ dep, ...locate(dep, env.PATH ?? '') }));
  const ownerOf = owners(located.flatMap((l) => (l.real ? [l.real] : [])));
  const probe = makeProber(env);
  /** @type {Set<string>} */
  const named = new Set();
  /** @type {Set<string>} */
  const roots = new Set();
  const results = await Promise.all(located.map(async ({ dep, found, real, missing }) => {
    /** @type {Row} */
    const row = { label: dep.cmd, real, owners: [] };
    if (!found || !real) {
      named.add(dep.pkg);
      if (missing && missing !== dep.cmd) return { row, problem: `${dep.cmd} -> ${missing} is missing: ${fix(dep.pkg)}` };
      const bare = !dep.cmd.startsWith('/');
      return { row, problem: `${dep.cmd} ${bare ? `is not on PATH (${env.PATH ?? ''})` : 'is missing'}: ${fix(dep.pkg, bare)}` };
    }
    // a pattern is named by its match; a bare name by where PATH found it
    const name = GLOB.test(dep.cmd) ? found : dep.cmd;
    row.label = real !== found ? `${name} -> ${real}` : name === found ? name : `${name} = ${found}`;
    if (!dep.file) {
      try {
        fs.accessSync(real, fs.constants.X_OK);
      } catch {
        named.add(dep.pkg);
        return { row, problem: `${row.label} is not executable: ${fix(dep.pkg)}` };
      }
    }
    row.owners = ownerOf.get(real) ?? [];
    const covered = row.owners.find((o) => via.has(o));
    if (!row.owners.length) {
      const hint = listed.has(dep.pkg) || via.has(dep.pkg) ? `remove it, the tests expect ${dep.pkg}'s` : `add ${dep.pkg} to ${listName}`;
      return { row, problem: `${row.label} belongs to no Debian package (installed by hand?): ${hint}` };
    }
    if (!covered) {
      const add = listed.has(dep.pkg) ? row.owners[0] : dep.pkg;
      return { row, problem: `${row.label} is from ${row.owners.join(', ')}, which nothing in ${listName} installs: add ${add} to ${listName}` };
    }
    row.why = whyCovered(via, listed, covered);
    let root = covered;
    for (let p = via.get(root); p; p = via.get(p)) root = p;
    roots.add(root);
    if (dep.probe) {
      const failed = await probe(found, dep.probe);
      if (failed) return { row, problem: `${row.label} does not run (${[dep.cmd, ...dep.probe].join(' ')}: ${failed}): apt-get install --reinstall ${covered}` };
    }
    return { row, problem: undefined };
  }));

  const problems = results.flatMap((r) => (r.problem ? [r.problem] : []));
  for (const p of listed) {
    if (!installed(p) && !named.has(p)) {
      problems.push(`${p} is in ${listName} but not installed: bash scripts/install-deps.sh`);
    }
  }
  return { problems, rows: results.map((r) => r.row), unneeded: [...listed].filter((p) => installed(p) && !roots.has(p)) };
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { packages: { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    console.error(`check-deps: ${/** @type {Error} */ (e).message} (usage: node scripts/check-deps.mjs [--packages FILE] [--verbose])`);
    return 2;
  }
  if (values.help) {
    console.log('usage: node scripts/check-deps.mjs [--packages FILE] [--verbose]\nChecks that every program the build and tests run is installed from a package FILE (default .ci/apt-packages.txt) installs.');
    return 0;
  }
  let res;
  try {
    res = await checkDeps({ packagesFile: values.packages });
  } catch (e) {
    if (!(e instanceof CheckUsageError)) throw e;
    console.error(`check-deps: ${e.message}`);
    return 2;
  }
  if (values.verbose) {
    const width = Math.max(...res.rows.map((r) => r.label.length));
    for (const r of res.rows) console.log(`${r.label.padEnd(width)}  ${r.owners.join(', ') || '-'}${r.why ? ` (${r.why})` : ''}`);
    if (res.unneeded.length) console.log(`listed, but no checked program or file needs: ${res.unneeded.join(', ')}`);
  }
  for (const p of res.problems) console.error(p);
  if (res.problems.length) return 1;
  console.log(`check-deps: all ${res.rows.length} programs and files the build and tests use are installed from packages ${values.packages ?? '.ci/apt-packages.txt'} installs`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
