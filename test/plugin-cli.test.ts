/**
 * `wasmap plugin new|build|info|test|pack` as an author runs them: from the
 * built CLI (dist/), with Debian's Rust toolchain offline, against the real
 * redis on loopback. Every bad input is one line on stderr and exit 2.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './support/cli.js';
import { closedPort, listen } from './support/listeners.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';

const cargoTarget = join(tmpdir(), 'wasmap-test-cargo');
const env = { CARGO_TARGET_DIR: cargoTarget };
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-plugin-cli-'));
const KINDS = ['scanner', 'detection', 'evaluator', 'output'] as const;

let redis: { port: number };
const built: Record<string, string> = {};

function json<T>(r: CliResult): T {
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  [redis] = (await startServices(['redis'])) as { port: number }[];
}, 120_000);

afterAll(async () => {
  await stopServices(['redis']);
});

describe('plugin new → build → info → test (Rust)', () => {
  beforeAll(async () => {
    for (const kind of KINDS) {
      const name = `hello-${kind}`;
      const made = await runCli(['plugin', 'new', name, '--lang', 'rust', '--kind', kind, '--dir', join(tmp, name)]);
      expect(made.code, made.stderr).toBe(0);
      const b = await runCli(['plugin', 'build', join(tmp, name), '--json'], { env });
      built[kind] = json<{ path: string }>(b).path;
    }
  }, 600_000);

  it('scaffolds the manifest, the Cargo project and a test', () => {
    const dir = join(tmp, 'hello-scanner');
    const toml = readFileSync(join(dir, 'plugin.toml'), 'utf8');
    expect(toml).toMatch(/^name = "hello-scanner"\nversion = "0.1.0"\nkind = "scanner"\n/);
    expect(readFileSync(join(dir, 'Cargo.toml'), 'utf8')).toContain('name = "hello-scanner"');
    expect(readFileSync(join(dir, 'src', 'lib.rs'), 'utf8')).toContain('wasmap_sdk::plugin!(run);');
  });

  it("builds each kind into build/NAME.wasm and the scaffold's unit test passes natively", () => {
    for (const kind of KINDS) expect(built[kind]).toBe(join(tmp, `hello-${kind}`, 'build', `hello-${kind}.wasm`));
    const text = execFileSync('/usr/bin/cargo', ['test', '--offline', '--config', 'source.crates-io.replace-with="debian"', '--config', 'source.debian.directory="/usr/share/cargo/registry"'], {
      cwd: join(tmp, 'hello-scanner'),
      env: { ...process.env, ...env, RUSTC: '/usr/bin/rustc' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(text).toContain('test tests::first_line_stops_at_the_line_ending ... ok');
  }, 300_000);

  it('info shows the manifest, imports, exports, sha256 and size', async () => {
    const info = json<{ sha256: string; size: number; manifest: Record<string, unknown>; imports: string[]; exports: string[]; asyncified: boolean }>(
      await runCli(['plugin', 'info', built.scanner!, '--json']),
    );
    const bytes = readFileSync(built.scanner!);
    expect(info.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(info.size).toBe(bytes.length);
    expect(info.manifest).toMatchObject({ abi: 1, name: 'hello-scanner', kind: 'scanner', capabilities: ['network'], match: { transport: 'tcp' } });
    expect(info.imports).toEqual(expect.arrayContaining(['wasmap.tcp_connect', 'wasmap.recv']));
    expect(info.exports).toEqual(expect.arrayContaining(['wasmap_run', 'wasmap_alloc', 'wasmap_abi_v1']));
    expect(info.asyncified).toBe(true);
    const text = await runCli(['plugin', 'info', built.scanner!]);
    expect(text.stdout).toContain('name          hello-scanner 0.1.0 (scanner)');
    expect(text.stdout).toContain(`sha256        ${info.sha256}`);
  });

  it('test runs the scanner once against the real redis and shows result, logs, limits and timing', async () => {
    const r = await runCli(['plugin', 'test', built.scanner!, '--target', `127.0.0.1:${redis.port}`, '--config', 'probe=PING\r\n']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('status    success\n');
    expect(r.stdout).toContain('data      "+PONG"\n');
    expect(r.stdout).toContain(`  [info] 127.0.0.1:${redis.port} said "+PONG"\n`);
    expect(r.stdout).toMatch(/\nsandbox   [\d.]+ ms, sent 6 B, received 7 B, denied 0\n/);
    expect(r.stdout).toContain('limits    memory_mb=64 cpu_ms=1000 wall_ms=10000 connections=16');
    expect(r.stdout).toMatch(/\ntiming    load \d+ ms.*, invoke \d+ ms\n$/);
  });

  it('test --json reports the typed config, and exits 1 when the status is not success', async () => {
    const port = await closedPort();
    const r = await runCli(['plugin', 'test', built.scanner!, '--target', `127.0.0.1:${port}`, '--config', 'timeout_ms=500', '--json']);
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as { config: Record<string, unknown>; result: { status: string; error: string }; target: unknown };
    expect(rep.config).toEqual({ timeout_ms: 500, probe: '' });
    expect(rep.target).toEqual({ ip: '127.0.0.1', port, transport: 'tcp' });
    expect(rep.result).toMatchObject({ status: 'connection-refused', error: 'connection refused (ECONNREFUSED)' });
  });

  it('test --limit shows the limit that ended the invocation', async () => {
    const silent = await listen('127.0.0.1', 'silent');
    try {
      const r = await runCli(['plugin', 'test', built.scanner!, '--target', `127.0.0.1:${silent.port}`, '--limit', 'wall_ms=300']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('status    application-error\n');
      expect(r.stdout).toMatch(/\nsandbox   [\d.]+ ms, sent 0 B, received 0 B, denied 0, limit hit: wall_ms\n/);
      expect(r.stdout).toContain(' wall_ms=300 ');
    } finally {
      await silent.close();
    }
  });

  it('runs the detection, evaluator and output scaffolds on their inputs', async () => {
    const banner = join(tmp, 'banner.bin');
    writeFileSync(banner, 'SSH-2.0-OpenSSH_9.2\r\n');
    const det = json<{ result: { service: unknown } }>(await runCli(['plugin', 'test', built.detection!, '--target', '127.0.0.1:22', '--banner-file', banner, '--json']));
    expect(det.result.service).toEqual({ name: 'ssh', product: 'SSH server', confidence: 0.5 });
    writeFileSync(join(tmp, 'events.json'), JSON.stringify([{ ip: '127.0.0.1', port: 80 }]));
    const out = json<{ result: { data: string } }>(await runCli(['plugin', 'test', built.output!, '--events-file', join(tmp, 'events.json'), '--json']));
    expect(Buffer.from(out.result.data, 'base64').toString()).toBe('127.0.0.1:80\n');
    const ev = json<{ result: { status: string; findings?: unknown[] } }>(await runCli(['plugin', 'test', built.evaluator!, '--context', 'open_ports=[22,6379]', '--json']));
    expect(ev.result).toMatchObject({ status: 'success', findings: [{ id: 'redis-open', title: 'redis reachable on port 6379', severity: 'medium' }] });
  });
});

describe('plugin new → build → test (AssemblyScript)', () => {
  it('scaffolds from sdk/assemblyscript/template, builds with asc and reads a greeting from the real redis', async () => {
    const dir = join(tmp, 'as-hello');
    const made = await runCli(['plugin', 'new', 'as-hello', '--lang', 'as', '--kind', 'scanner', '--dir', dir]);
    expect(made.code, made.stderr).toBe(0);
    expect(readFileSync(join(dir, 'plugin.toml'), 'utf8')).toContain('name = "as-hello"');
    const b = json<{ path: string; lang: string }>(await runCli(['plugin', 'build', dir, '--json']));
    expect(b).toMatchObject({ path: join(dir, 'build', 'as-hello.wasm'), lang: 'assemblyscript' });
    const r = json<{ result: { status: string } }>(await runCli(['plugin', 'test', b.path, '--target', `127.0.0.1:${redis.port}`, '--config', 'probe=PING\r\n', '--json']));
    expect(r.result.status).toBe('success');
  }, 300_000);
});

describe('plugin pack', () => {
  it('embeds plugin.toml into a compiled module, replacing any manifest it had', async () => {
    const raw = join(cargoTarget, 'wasm32-unknown-unknown', 'release', 'hello_scanner.wasm');
    const toml = readFileSync(join(tmp, 'hello-scanner', 'plugin.toml'), 'utf8').replace('version = "0.1.0"', 'version = "0.2.0"');
    writeFileSync(join(tmp, 'v2.toml'), toml);
    const out = join(tmp, 'packed.wasm');
    const r = await runCli(['plugin', 'pack', raw, join(tmp, 'v2.toml'), '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${out}\\nsha256 [0-9a-f]{64}  `));
    // packing the packed plugin again (it already has a manifest) still leaves exactly one
    const again = await runCli(['plugin', 'pack', out, join(tmp, 'v2.toml'), '-o', join(tmp, 'packed2.wasm')]);
    expect(again.code, again.stderr).toBe(0);
    const info = json<{ manifest: { version: string } }>(await runCli(['plugin', 'info', join(tmp, 'packed2.wasm'), '--json']));
    expect(info.manifest.version).toBe('0.2.0');
  });
});

describe('bad input', () => {
  let raw: string;
  let scanner: string;
  beforeAll(() => {
    raw = join(cargoTarget, 'wasm32-unknown-unknown', 'release', 'hello_scanner.wasm');
    scanner = built.scanner!;
    mkdirSync(join(tmp, 'full'), { recursive: true });
    writeFileSync(join(tmp, 'full', 'x'), '');
    mkdirSync(join(tmp, 'badlang'), { recursive: true });
    writeFileSync(join(tmp, 'badlang', 'plugin.toml'), 'name = "x"\nversion = "1.0.0"\nkind = "scanner"\n[build]\nlang = "cobol"\n');
    mkdirSync(join(tmp, 'badtoml'), { recursive: true });
    writeFileSync(join(tmp, 'badtoml', 'plugin.toml'), 'name = "x\n');
    writeFileSync(join(tmp, 'text.wasm'), 'not wasm');
  });

  const cases: [string, () => string[], RegExp][] = [
    ['a plugin name with capitals', () => ['plugin', 'new', 'Bad_Name', '--lang', 'rust', '--dir', join(tmp, 'n1')], /bad plugin name 'Bad_Name'/],
    ['an unknown language', () => ['plugin', 'new', 'x', '--lang', 'cobol'], /--lang/],
    ['a missing --lang', () => ['plugin', 'new', 'x'], /--lang/],
    ['an unknown kind', () => ['plugin', 'new', 'x', '--lang', 'rust', '--kind', 'daemon'], /--kind/],
    ['a directory that is not empty', () => ['plugin', 'new', 'x', '--lang', 'rust', '--dir', join(tmp, 'full')], /already exists and is not empty/],
    ['a directory without plugin.toml', () => ['plugin', 'build', join(tmp, 'full')], /no plugin\.toml/],
    ['an unknown [build] lang', () => ['plugin', 'build', join(tmp, 'badlang')], /\[build\] lang must be "rust" or "assemblyscript", not "cobol"/],
    ['a plugin.toml that is not TOML', () => ['plugin', 'build', join(tmp, 'badtoml')], /plugin\.toml:1: /],
    ['pack of a missing file', () => ['plugin', 'pack', join(tmp, 'nope.wasm'), join(tmp, 'v2.toml'), '-o', join(tmp, 'o.wasm')], /cannot read .*nope\.wasm': ENOENT/],
    ['pack of a file that is not wasm', () => ['plugin', 'pack', join(tmp, 'text.wasm'), join(tmp, 'v2.toml'), '-o', join(tmp, 'o.wasm')], /not a WebAssembly binary/],
    ['pack without -o', () => ['plugin', 'pack', raw, join(tmp, 'v2.toml')], /--output/],
    ['info of a missing file', () => ['plugin', 'info', join(tmp, 'nope.wasm')], /cannot open \(ENOENT\)/],
    ['info of a module without a manifest', () => ['plugin', 'info', raw], /no wasmap\.manifest custom section/],
    ['test of a scanner without --target', () => ['plugin', 'test', scanner], /needs --target HOST:PORT/],
    ['a target without a port', () => ['plugin', 'test', scanner, '--target', '127.0.0.1'], /bad --target '127\.0\.0\.1'/],
    ['a port out of range', () => ['plugin', 'test', scanner, '--target', '127.0.0.1:70000'], /port must be 1-65535/],
    ['a --config without =', () => ['plugin', 'test', scanner, '--target', '127.0.0.1:1', '--config', 'probe'], /bad config assignment "probe": expected key=value/],
    ['a --config of the wrong type', () => ['plugin', 'test', scanner, '--target', '127.0.0.1:1', '--config', 'timeout_ms=soon'], /config timeout_ms=soon: expected an int$/],
    ['a --config key the plugin does not have', () => ['plugin', 'test', scanner, '--target', '127.0.0.1:1', '--config', 'colour=red'], /colour/],
    ['a --context value that is not JSON', () => ['plugin', 'test', scanner, '--target', '127.0.0.1:1', '--context', 'open_ports=[22'], /bad --context 'open_ports=\[22'/],
    ['an unknown --limit key', () => ['plugin', 'test', scanner, '--target', '127.0.0.1:1', '--limit', 'speed=1'], /unknown limit "speed"/],
    ['a --limit that is not an integer', () => ['plugin', 'test', scanner, '--target', '127.0.0.1:1', '--limit', 'wall_ms=soon'], /bad --limit 'wall_ms=soon'/],
    ['a missing --banner-file', () => ['plugin', 'test', scanner, '--target', '127.0.0.1:1', '--banner-file', join(tmp, 'nope')], /cannot read --banner-file/],
    ['an unknown subcommand', () => ['plugin', 'frobnicate'], /frobnicate/],
  ];

  it('refuses a plugin that does not compile with the first diagnostic on one line and exit 2', async () => {
    const dir = join(tmp, 'broken');
    expect((await runCli(['plugin', 'new', 'broken', '--lang', 'rust', '--dir', dir])).code).toBe(0);
    writeFileSync(join(dir, 'src', 'lib.rs'), readFileSync(join(dir, 'src', 'lib.rs'), 'utf8') + 'fn oops() -> u32 { "x" }\n');
    const r = await runCli(['plugin', 'build', dir, '-q'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wasmap: error: cargo failed \(exit 101\): error\[E0308\]: mismatched types at src\/lib\.rs:\d+:\d+\n$/);
  }, 300_000);

  for (const [what, args, message] of cases) {
    it(`refuses ${what} with one line and exit 2`, async () => {
      const r = await runCli(args());
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^wasmap: error/);
      expect(lines[0]).toMatch(message);
    });
  }
});
