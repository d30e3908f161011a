/**
 * The example index works end to end for a new user: its publisher key is
 * trusted, its index added, redis-info installed by name (signed), and a
 * scan of a real redis-server on loopback runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJsonl, runCli } from '../../../test/support/cli.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../../../test/support/services.mjs';

const script = fileURLToPath(new URL('../serve.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-index-example-'));
const env = { XDG_DATA_HOME: join(tmp, 'data'), XDG_CONFIG_HOME: join(tmp, 'config'), WASMAP_PLUGIN_PATH: '', CARGO_TARGET_DIR: join(tmpdir(), 'wasmap-test-cargo') };
let server: ChildProcess;
let indexUrl: string;
let redisPort: number;

beforeAll(async () => {
  server = spawn(process.execPath, [script, '--port', '0', '--dir', join(tmp, 'index')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  indexUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+\/index\.json)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on('exit', (code) => reject(new Error(`serve.mjs exited ${code}`)));
  });
  [{ port: redisPort }] = (await startServices(['redis'])) as { port: number }[];
}, 600_000);

afterAll(async () => {
  if (server?.pid) process.kill(server.pid, 'SIGTERM');
  await stopServices(['redis']);
  rmSync(tmp, { recursive: true, force: true });
});

it('trust, index add, install by name, scan: the community plugin reports on redis', async () => {
  for (const args of [['plugin', 'trust', 'add', 'wasmap examples', join(tmp, 'index/publisher.pub')], ['plugin', 'index', 'add', indexUrl]]) {
    const r = await runCli(args, { env });
    expect(r.code, r.stderr).toBe(0);
  }
  const install = await runCli(['plugin', 'install', 'redis-info', '--yes'], { env });
  expect(install.code, install.stderr).toBe(0);
  expect(install.stdout).toMatch(/^installed redis-info 0\.1\.0 sha256 [0-9a-f]{16}… signed by wasmap examples/);
  const scan = await runCli(['scan', '127.0.0.1', '-p', String(redisPort), '-f', 'jsonl', '--skip-discovery'], { env });
  expect(scan.code, scan.stderr).toBe(0);
  const ev = parseJsonl(scan.stdout).find((e) => e.origin.type === 'redis-info');
  expect(ev?.result.status, scan.stdout).toBe('success');
  expect(ev.result.data.tcp_port).toBe(String(redisPort));
});
