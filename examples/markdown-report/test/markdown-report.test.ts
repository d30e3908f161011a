/**
 * markdown-report, built from source with `wasmap plugin build`, run by a
 * real `wasmap scan` of the real redis on loopback together with
 * redis-info, and on its own with `wasmap plugin test --events-file`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../../../test/support/services.mjs';

const examples = fileURLToPath(new URL('../..', import.meta.url));
const env = { CARGO_TARGET_DIR: join(tmpdir(), 'wasmap-test-cargo') };
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-markdown-report-'));
const report = join(tmp, 'markdown-report.wasm');
const redisInfo = join(tmp, 'redis-info.wasm');
const installed = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))![1]!;

let redis: { port: number };

beforeAll(async () => {
  for (const [name, out] of [['markdown-report', report], ['redis-info', redisInfo]] as const) {
    const r = await runCli(['plugin', 'build', join(examples, name), '-q', '-o', out], { env });
    expect(r.code, r.stderr).toBe(0);
  }
  [redis] = (await startServices(['redis'])) as { port: number }[];
  // The shared redis listens on a test port: repack redis-info so its [match] includes it.
  const toml = readFileSync(join(examples, 'redis-info', 'plugin.toml'), 'utf8').replace('ports = [6379]', `ports = [6379, ${redis.port}]`);
  writeFileSync(join(tmp, 'redis-info.toml'), toml);
  const packed = await runCli(['plugin', 'pack', redisInfo, join(tmp, 'redis-info.toml'), '-o', redisInfo]);
  expect(packed.code, packed.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await stopServices(['redis']);
});

describe('markdown-report in a scan', () => {
  it('writes one table per host and the findings of every plugin to --plugin-output', async () => {
    const md = join(tmp, 'report.md');
    const r = await runCli([
      'scan', '127.0.0.1', '-p', String(redis.port), '-q', '-f', 'jsonl',
      '--plugin', redisInfo, '--plugin', report,
      '--plugin-config', 'markdown-report.title=Loopback redis',
      '--plugin-output', md,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(md, 'utf8');
    expect(text.startsWith('# Loopback redis\n')).toBe(true);
    expect(text).toContain('\n## 127.0.0.1\n');
    expect(text).toContain(`| ${redis.port} | tcp | portscan |  | open (syn-ack) |`);
    expect(text).toContain(`| ${redis.port} | tcp | redis-info | success | redis Redis ${installed} |`);
    expect(text).toContain(`| high | 127.0.0.1:${redis.port} | redis-no-auth — Redis answers commands without authentication | redis-info |`);
    // the scan's own events are on stdout (the default profile's plugins among them: misconfig
    // finds the same open Redis), and the report counts them and their findings
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { result: { findings?: unknown[] } });
    const findings = events.reduce((n, e) => n + (e.result.findings?.length ?? 0), 0);
    expect(findings).toBeGreaterThanOrEqual(2);
    expect(text).toContain(`${events.length} event(s), 1 host(s), ${findings} finding(s).`);
  });
});

describe('markdown-report on its own', () => {
  it('renders events handed to it with plugin test --events-file, hosts in order, bytes in data', async () => {
    const events = [
      { origin: { type: 'portscan', module: 'portscan', ts: 1, ip: '127.0.0.1', port: 22, job_id: '' }, target: { ip: '127.0.0.1', port: 22, protocol: 'tcp' }, result: { data: { state: { state: 'open', reason: 'syn-ack' } } } },
      { origin: { type: 'x', module: 'grabber', ts: 2, ip: '::1', port: 80, job_id: '' }, target: { ip: '::1', port: 80, protocol: 'tcp' }, result: { data: {}, status: 'io-timeout', error: 'read | timed out' } },
    ];
    const file = join(tmp, 'events.jsonl');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n'));
    const r = await runCli(['plugin', 'test', report, '--events-file', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { result: { data: string; logs: { message: string }[] } };
    const md = Buffer.from(out.result.data, 'base64').toString('utf8');
    expect(md).toBe(
      [
        '# wasmap scan report',
        '',
        '2 event(s), 2 host(s), 0 finding(s).',
        '',
        '## 127.0.0.1',
        '',
        '| port | proto | source | status | summary |',
        '|---:|---|---|---|---|',
        '| 22 | tcp | portscan |  | open (syn-ack) |',
        '',
        '## ::1',
        '',
        '| port | proto | source | status | summary |',
        '|---:|---|---|---|---|',
        '| 80 | tcp | x | io-timeout | error: read   timed out |',
        '',
        '',
      ].join('\n'),
    );
    expect(out.result.logs).toEqual([expect.objectContaining({ message: `2 events, ${md.length} bytes of Markdown` })]);
  });
});

describe('markdown-report natively', () => {
  it('passes its unit tests with cargo test (Debian toolchain, offline)', () => {
    const text = execFileSync('/usr/bin/cargo', ['test', '--offline', '--config', 'source.crates-io.replace-with="debian"', '--config', 'source.debian.directory="/usr/share/cargo/registry"'], {
      cwd: join(examples, 'markdown-report'),
      env: { ...process.env, ...env, RUSTC: '/usr/bin/rustc' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(text).toContain('test report::tests::events_are_grouped_by_host_with_findings_last ... ok');
    expect(text).toMatch(/test result: ok\. [1-9]\d* passed; 0 failed/);
  }, 300_000);
});
