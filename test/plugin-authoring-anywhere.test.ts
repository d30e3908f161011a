/**
 * Plugin authoring outside this checkout (issue #11, item 11) and the build
 * warning for imports whose capability is not declared (item 10).
 *
 * wasmap is "installed" as `npm install -g wasmap` would: the files
 * `npm pack` ships, copied under a temporary prefix, with only the
 * production dependencies (from package-lock.json) beside them. Plugins are
 * scaffolded by that copy's CLI in a temporary directory, then built, tested
 * with their own `npm test` / `cargo test`, tried with `plugin test` and run
 * in `wasmap scan` against a loopback server, whose table shows the
 * template's summary line.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilityWarnings } from '../src/authoring/import-capabilities.js';
import { scaffoldPlugin } from '../src/authoring/scaffold.js';
import { DEBIAN_REGISTRY } from '../src/authoring/toolchain.js';
import { listen, type Listener } from './support/listeners.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'wasmap-anywhere-'));
/** where `npm install -g --prefix PREFIX wasmap` puts the package */
const installed = join(base, 'prefix', 'lib', 'node_modules', 'wasmap');
const cli = join(installed, 'dist', 'cli', 'main.js');
const work = join(base, 'work');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program as an author would (async: the greeter below answers from this process). */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const wasmap = (args: string[], cwd: string, env?: Record<string, string | undefined>): Promise<Run> => run(process.execPath, [cli, ...args], cwd, env);

function ok(r: Run): Run {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** The published files and the production dependencies, nothing else of the checkout. */
async function install(): Promise<void> {
  const pack = ok(await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], repo));
  const files = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const f of files) {
    mkdirSync(dirname(join(installed, f)), { recursive: true });
    copyFileSync(join(repo, f), join(installed, f)); // keeps modes: the bin stays executable
  }
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, meta] of Object.entries(lock.packages)) {
    if (path === '' || meta.dev || !existsSync(join(repo, path))) continue; // dev-only, or an optional one for another platform
    const to = join(installed, path);
    if (existsSync(to)) continue; // nested under one copied already
    mkdirSync(dirname(to), { recursive: true });
    // hard links: fast and leave the checkout's node_modules untouched; a link to it across filesystems
    if ((await run('cp', ['-al', join(repo, path), to], repo)).code !== 0) symlinkSync(join(repo, path), to);
  }
}

let greeter: Listener;

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  await install();
  greeter = await listen('127.0.0.1', { greet: 'HELLO from loopback\r\n' });
}, 300_000);

afterAll(async () => {
  await greeter?.close();
  rmSync(base, { recursive: true, force: true });
  // the asc --path links the installed SDK's builds left (sdk/assemblyscript/scripts/build.mjs sdkPathDir)
  for (const d of readdirSync(tmpdir()).filter((n) => n.startsWith('wasmap-as-sdk-'))) {
    const link = join(tmpdir(), d, '@wasmap', 'sdk-assemblyscript');
    if (readlinkOr(link).startsWith(base)) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  }
});

function readlinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

describe('an AssemblyScript plugin made outside the repository', () => {
  const dir = join(work, 'as-hello');

  it('is scaffolded with a file: dependency on the installed wasmap and tests that import wasmap/testing', async () => {
    ok(await wasmap(['plugin', 'new', 'as-hello', '--lang', 'as', '--kind', 'scanner', '--dir', dir], work));
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.devDependencies).toEqual({ wasmap: `file:${installed}` });
    expect(pkg.scripts).toMatchObject({ test: 'node --test', build: 'wasmap plugin build .' });
    const test = readFileSync(join(dir, 'test', 'plugin.test.mjs'), 'utf8');
    expect(test).toContain("from 'wasmap/testing'");
    expect(test).not.toMatch(/\.\.\/\.\.\//);
  });

  it('installs without a registry: the package links the installed wasmap, its CLI and both exports', async () => {
    ok(await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], dir));
    expect(realpathSync(join(dir, 'node_modules', 'wasmap'))).toBe(realpathSync(installed));
    expect(ok(await run(join(dir, 'node_modules', '.bin', 'wasmap'), ['--version'], dir)).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const probe = "const m = await import('wasmap'); const t = await import('wasmap/testing'); console.log(typeof m.scan, typeof t.runPlugin, typeof t.openPlugin, typeof t.buildPlugin);";
    expect(ok(await run(process.execPath, ['--input-type=module', '-e', probe], dir)).stdout.trim()).toBe('function function function function');
  }, 120_000);

  it("builds with the installed wasmap's compiler and SDK, and passes its own npm test", async () => {
    const b = JSON.parse(ok(await run('npm', ['run', '--silent', 'build', '--', '--json'], dir)).stdout) as { path: string; warnings: string[] };
    expect(b).toMatchObject({ path: join(dir, 'build', 'as-hello.wasm'), warnings: [] });
    const t = await run('npm', ['test'], dir);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^# pass 3$/m);
    expect(t.stdout).toMatch(/^# fail 0$/m);
  }, 300_000);

  it('runs in plugin test and in a scan, whose table shows its summary', async () => {
    const wasm = join(dir, 'build', 'as-hello.wasm');
    const t = ok(await wasmap(['plugin', 'test', wasm, '--target', `127.0.0.1:${greeter.port}`, '--json'], dir));
    expect((JSON.parse(t.stdout) as { result: unknown }).result).toMatchObject({ status: 'success', summary: 'HELLO from loopback' });
    const s = ok(await wasmap(['scan', '127.0.0.1', '-p', String(greeter.port), '--plugin', wasm, '-f', 'table'], dir));
    expect(s.stdout).toMatch(new RegExp(`^  ${greeter.port}/tcp  open `, 'm'));
    expect(s.stdout).toMatch(/^\s+as-hello: HELLO from loopback$/m);
  }, 120_000);

  it('warns at build and in plugin info about imports whose capability plugin.toml does not declare', async () => {
    const toml = join(dir, 'plugin.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('capabilities = ["network"]', 'capabilities = []'));
    const src = join(dir, 'assembly', 'index.ts');
    // a lookup too, so both capabilities are missing
    writeFileSync(src, `${readFileSync(src, 'utf8')}\nimport { resolve } from "@wasmap/sdk-assemblyscript";\nexport function lookup(): i32 { const r = resolve("localhost"); return r === null ? -1 : r.length; }\n`);
    const b = await wasmap(['plugin', 'build', dir, '-q'], dir);
    expect(b.code, b.stderr).toBe(0);
    const net = 'imports wasmap.tcp_connect but plugin.toml declares no "network" capability: every connection will be denied (EDENIED)';
    const dns = 'imports wasmap.resolve but plugin.toml declares no "dns" capability: every lookup will be denied (EDENIED)';
    expect(b.stderr).toBe(`wasmap: warning: ${net}\nwasmap: warning: ${dns}\n`);
    const info = await wasmap(['plugin', 'info', join(dir, 'build', 'as-hello.wasm')], dir);
    expect(info.stdout).toContain(`\nwarning       ${net.replace('plugin.toml', 'its manifest')}\n`);
    expect(info.stdout).toContain(`\nwarning       ${dns.replace('plugin.toml', 'its manifest')}\n`);
    const json = JSON.parse(ok(await wasmap(['plugin', 'info', join(dir, 'build', 'as-hello.wasm'), '--json'], dir)).stdout) as { warnings: string[] };
    expect(json.warnings).toHaveLength(2);
  }, 120_000);
});

describe('a Rust plugin made outside the repository', () => {
  const dir = join(work, 'rs-hello');
  // shared with the other Rust tests: dependencies compile once
  const cargoTarget = join(tmpdir(), 'wasmap-test-cargo');

  it("is scaffolded against the installed wasmap's sdk/rust, offline from Debian's crates when they are installed", async () => {
    ok(await wasmap(['plugin', 'new', 'rs-hello', '--lang', 'rust', '--dir', dir], work));
    expect(readFileSync(join(dir, 'Cargo.toml'), 'utf8')).toContain(`wasmap-sdk = { path = "${installed}/sdk/rust" }`);
    const config = join(dir, '.cargo', 'config.toml');
    expect(existsSync(config)).toBe(existsSync(DEBIAN_REGISTRY));
    if (existsSync(config)) expect(readFileSync(config, 'utf8')).toContain(`directory = "${DEBIAN_REGISTRY}"`);
  });

  it('passes a plain `cargo test`', async () => {
    // what the README says, as typed: no flags, whichever cargo is on PATH. CARGO_NET_OFFLINE only
    // keeps a regression from reaching crates.io (tests stay on loopback); the config above is what works.
    const t = await run('cargo', ['test'], dir, { CARGO_TARGET_DIR: undefined, RUSTC: undefined, CARGO_NET_OFFLINE: 'true' });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('test tests::first_line_stops_at_the_line_ending ... ok');
  }, 600_000);

  it('builds, runs in plugin test and in a scan, whose table shows its summary', async () => {
    const b = JSON.parse(ok(await wasmap(['plugin', 'build', dir, '--json'], dir, { CARGO_TARGET_DIR: cargoTarget })).stdout) as { path: string; warnings: string[] };
    expect(b).toMatchObject({ path: join(dir, 'build', 'rs-hello.wasm'), warnings: [] });
    const t = ok(await wasmap(['plugin', 'test', b.path, '--target', `127.0.0.1:${greeter.port}`, '--json'], dir));
    expect((JSON.parse(t.stdout) as { result: unknown }).result).toMatchObject({ status: 'success', summary: 'HELLO from loopback' });
    const s = ok(await wasmap(['scan', '127.0.0.1', '-p', String(greeter.port), '--plugin', b.path, '-f', 'table'], dir));
    expect(s.stdout).toMatch(/^\s+rs-hello: HELLO from loopback$/m);
  }, 600_000);

  it('names where this wasmap keeps its SDK when the one Cargo.toml points at is gone', async () => {
    const moved = join(work, 'rs-moved');
    mkdirSync(join(moved, 'src'), { recursive: true });
    for (const f of ['plugin.toml', 'src/lib.rs']) writeFileSync(join(moved, f), readFileSync(join(dir, f)));
    writeFileSync(join(moved, 'Cargo.toml'), readFileSync(join(dir, 'Cargo.toml'), 'utf8').replace(`${installed}/sdk/rust`, '/nonexistent/wasmap/sdk/rust'));
    const r = await wasmap(['plugin', 'build', moved], moved);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`wasmap: error: ${join(moved, 'Cargo.toml')}: wasmap-sdk path '/nonexistent/wasmap/sdk/rust' has no Cargo.toml; this wasmap's Rust SDK is ${installed}/sdk/rust\n`);
  });
});

describe('plugin new inside the wasmap tree', () => {
  it('points at the SDK and the package with relative paths, as the bundled plugins do', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wasmap-tree-'));
    try {
      symlinkSync(join(repo, 'sdk'), join(root, 'sdk'));
      const rs = await scaffoldPlugin({ name: 'in-tree', lang: 'rust', dir: join(root, 'plugins-wasm', 'in-tree'), root });
      expect(readFileSync(join(rs.dir, 'Cargo.toml'), 'utf8')).toContain('wasmap-sdk = { path = "../../sdk/rust" }');
      const as = await scaffoldPlugin({ name: 'in-tree-as', lang: 'as', dir: join(root, 'plugins-wasm', 'in-tree-as'), root });
      expect(JSON.parse(readFileSync(join(as.dir, 'package.json'), 'utf8'))).toMatchObject({ devDependencies: { wasmap: 'file:../..' } });
      expect(readdirSync(as.dir).sort()).toEqual(['.gitignore', 'README.md', 'assembly', 'package.json', 'plugin.toml', 'test']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('capability warnings', () => {
  it('name each missing capability once, with the imports that need it', () => {
    expect(capabilityWarnings(['wasmap.log', 'wasmap.tcp_connect', 'wasmap.tls_upgrade', 'wasmap.udp_open'], [])).toEqual([
      'imports wasmap.tcp_connect, wasmap.udp_open, wasmap.tls_upgrade but plugin.toml declares no "network" capability: every connection will be denied (EDENIED)',
    ]);
    expect(capabilityWarnings(['wasmap.resolve', 'wasmap.tcp_connect'], ['network'])).toEqual([
      'imports wasmap.resolve but plugin.toml declares no "dns" capability: every lookup will be denied (EDENIED)',
    ]);
  });

  it('are silent when the capability is declared, network:any included, or nothing needs one', () => {
    expect(capabilityWarnings(['wasmap.tcp_connect', 'wasmap.udp_open'], ['network:any'])).toEqual([]);
    expect(capabilityWarnings(['wasmap.tcp_connect', 'wasmap.resolve'], ['network', 'dns'])).toEqual([]);
    expect(capabilityWarnings(['wasmap.log', 'wasmap.emit', 'env.abort'], [])).toEqual([]);
  });
});
