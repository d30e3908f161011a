/**
 * redis-info, built from source with `wasmap plugin build` and run with
 * `wasmap plugin test` against real redis-server daemons on loopback: the
 * shared one (no password) and one started here with `requirepass`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';
import { closedPort, listen, type Listener } from '../../../test/support/listeners.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../../../test/support/services.mjs';

const dir = fileURLToPath(new URL('..', import.meta.url));
const env = { CARGO_TARGET_DIR: join(tmpdir(), 'wasmap-test-cargo') };
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-redis-info-'));
const wasm = join(tmp, 'redis-info.wasm');
const PASSWORD = 'wasmap-test-secret';

interface Report {
  result: {
    status: string;
    error?: string;
    summary?: string;
    data: Record<string, unknown>;
    service?: Record<string, unknown>;
    findings?: { id: string; severity: string; evidence?: string }[];
  };
}

async function probe(port: number, ...config: string[]): Promise<{ code: number | null; report: Report }> {
  const args = ['plugin', 'test', wasm, '--target', `127.0.0.1:${port}`, '--json', ...config.flatMap((c) => ['--config', c])];
  const r = await runCli(args);
  expect(r.stderr).toBe('');
  return { code: r.code, report: JSON.parse(r.stdout) as Report };
}

/** What the installed redis-server says its version is (`v=7.0.15`). */
const installed = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))![1]!;

let shared: { port: number };
let locked: ChildProcess;
let lockedPort: number;
let notRedis: Listener;

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.end('PING\r\n'));
    s.once('data', (d) => resolve(d.toString().startsWith('-NOAUTH')));
    s.once('error', () => resolve(false));
  });
}

beforeAll(async () => {
  const built = await runCli(['plugin', 'build', dir, '-q', '-o', wasm], { env });
  expect(built.code, built.stderr).toBe(0);
  [shared] = (await startServices(['redis'])) as { port: number }[];
  lockedPort = await closedPort();
  locked = spawn('redis-server', ['--port', String(lockedPort), '--bind', '127.0.0.1', '--requirepass', PASSWORD, '--save', '', '--appendonly', 'no', '--dir', tmp, '--logfile', ''], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await answers(lockedPort)); i++) await new Promise((r) => setTimeout(r, 50));
  notRedis = await listen('127.0.0.1', { reply: 'HTTP/1.1 400 Bad Request\r\n\r\n' });
}, 300_000);

afterAll(async () => {
  if (locked?.pid) process.kill(locked.pid, 'SIGTERM');
  await notRedis?.close();
  await stopServices(['redis']);
});

describe('redis-info against redis without a password', () => {
  it('reports every INFO key verbatim, with the version redis-server --version reports', async () => {
    const { code, report } = await probe(shared.port);
    expect(code).toBe(0);
    const { result } = report;
    expect(result.status).toBe('success');
    expect(result.data.redis_version).toBe(installed);
    expect(result.summary).toBe(`Redis ${installed} standalone master, ${String(result.data.connected_clients)} clients connected, ${String(result.data.used_memory_human)} used, no password asked`);
    expect(result.data.tcp_port).toBe(String(shared.port));
    expect(result.data.redis_mode).toBe('standalone');
    expect(result.data.role).toBe('master');
    expect(result.data.auth_required).toBe(false);
    expect(result.service).toEqual({ name: 'redis', product: 'Redis', version: installed, cpe: [`cpe:/a:redis:redis:${installed}`], confidence: 1 });
    expect(result.findings).toEqual([expect.objectContaining({ id: 'redis-no-auth', severity: 'high' })]);
  });
});

describe('redis-info against redis with requirepass', () => {
  it('identifies Redis and reports the NOAUTH refusal as a finding', async () => {
    const { code, report } = await probe(lockedPort);
    expect(code).toBe(0);
    const { result } = report;
    expect(result.status).toBe('success');
    expect(result.data).toEqual({ auth_required: true, error: expect.stringMatching(/^NOAUTH /) });
    expect(result.service).toEqual({ name: 'redis', product: 'Redis', confidence: 1 });
    expect(result.findings).toEqual([expect.objectContaining({ id: 'redis-auth-required', severity: 'info', evidence: result.data.error })]);
  });

  it('reads INFO after AUTH with the configured password', async () => {
    const { report } = await probe(lockedPort, `password=${PASSWORD}`);
    expect(report.result.status).toBe('success');
    expect(report.result.data.redis_version).toBe(installed);
    expect(report.result.data.tcp_port).toBe(String(lockedPort));
    expect(report.result.findings ?? []).toEqual([]);
  });

  it('reports a wrong password as an authentication refusal', async () => {
    const { report } = await probe(lockedPort, 'password=wrong');
    expect(report.result.data).toEqual({ auth_required: true, error: expect.stringMatching(/^WRONGPASS /) });
  });
});

describe('redis-info against something else', () => {
  it('fails with protocol-error when the reply is not RESP', async () => {
    const { code, report } = await probe(notRedis.port);
    expect(code).toBe(1);
    expect(report.result.status).toBe('protocol-error');
    expect(report.result.error).toBe('protocol error: not a RESP reply (first byte 0x48)');
  });

  it('fails with connection-refused on a closed port', async () => {
    const { report } = await probe(await closedPort());
    expect(report.result.status).toBe('connection-refused');
  });
});

describe('redis-info natively', () => {
  it('passes its unit tests with cargo test (Debian toolchain, offline)', () => {
    const text = execFileSync('/usr/bin/cargo', ['test', '--offline', '--config', 'source.crates-io.replace-with="debian"', '--config', 'source.debian.directory="/usr/share/cargo/registry"'], {
      cwd: dir,
      env: { ...process.env, ...env, RUSTC: '/usr/bin/rustc' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(text).toContain('test resp::tests::hostile_lengths_and_non_resp_are_refused ... ok');
    expect(text).toMatch(/test result: ok\. [1-9]\d* passed; 0 failed/);
  }, 300_000);
});
