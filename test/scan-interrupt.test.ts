import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnCli, parseJsonl, runCliUntil } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cannedPlugin } from './sandbox/helpers/canned.js';

describe('stopping a scan', () => {
  const listeners: Listener[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 40; i++) listeners.push(await listen('127.0.0.1'));
  });
  afterAll(() => Promise.all(listeners.map((l) => l.close())));

  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`on ${signal} flushes every open port found so far, prints the summary and exits ${status}`, async () => {
      // A rate-limited full scan takes ~30 s; it is interrupted after the first result.
      const { code, stdout, stderr, signalled } = await runCliUntil(['scan', '--profile', 'ports', '127.0.0.1', '-p-', '--rate', '2000', '-Pn', '-f', 'jsonl'], (out) => out.includes('\n'), signal);
      expect(signalled).toBe(true);
      expect(code).toBe(status);
      const events = parseJsonl(stdout); // every line is complete JSON
      expect(events.length).toBeGreaterThanOrEqual(1);
      // (other test files' servers may be open too: only the shape is checked per event)
      for (const e of events) expect(e.result.data.state).toEqual({ state: 'open', reason: 'syn-ack' });
      const m = /(\d+) open/.exec(stderr);
      expect(stderr).toMatch(new RegExp(`interrupted by ${signal}`));
      // Nothing found is lost: the summary's count of open ports is exactly what was written.
      expect(Number(m![1])).toBe(events.length);
      expect(Number(/([\d,]+) ports probed/.exec(stderr)![1]!.replace(/,/g, ''))).toBeLessThan(65535);
    });
  }
});

describe('stopping a default-profile scan (plugins loaded) at each stage', () => {
  let target: Listener;
  let sleeper: string;
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-interrupt-'));
  beforeAll(async () => {
    target = await listen('127.0.0.1');
    // a plugin that says it started, then sleeps for 10 minutes: a stop must not wait for it
    sleeper = join(dir, 'sleeper.wasm');
    writeFileSync(sleeper, cannedPlugin({
      manifest: { abi: 1, name: 'sleeper', version: '1.0.0', kind: 'scanner', match: { ports: [target.port] } },
      emits: [{ data: { stage: 'sleeping' } }],
      sleepMs: 600_000,
    }));
  });
  afterAll(() => target.close());

  /** Runs `args`, sends `signal` once `when(stdout)` holds (checked as output comes and every 50 ms); returns what a user gets. */
  async function stopWhen(args: string[], signal: NodeJS.Signals, when: (out: string) => boolean) {
    const child = spawnCli(args);
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const check = (): void => {
      if (!signalled && when(stdout)) {
        signalled = true;
        child.kill(signal);
      }
    };
    child.stdout!.on('data', (d) => {
      stdout += d;
      check();
    });
    const poll = setInterval(check, 50);
    try {
      return { code: await exited, stdout, stderr, signalled };
    } finally {
      clearInterval(poll);
    }
  }

  for (const [format, parse] of [
    ['json', (t: string) => JSON.parse(t) as any[]],
    ['jsonl', (t: string) => parseJsonl(t)],
    ['csv', (t: string) => t.trim().split('\n').slice(1)],
  ] as const) {
    it(`during detection (a plugin sleeping in flight), SIGINT writes a valid ${format} file, the summary, and exits 130`, async () => {
      const out = join(dir, `during-detection.${format}`);
      // the JSONL on stdout shows when the sleeper has started (its emit)
      const r = await stopWhen(['scan', '127.0.0.1', '-p', String(target.port), '-Pn', '--plugin', sleeper, '--plugin-limit', 'wall_ms=600000', '-o', out, '-f', format, '-q', '--plugin-output', join(dir, 'none')], 'SIGINT', () => existsSync(out) && readFileSync(out, 'utf8').includes('sleeping'));
      expect(r.signalled).toBe(true);
      expect(r.code).toBe(130);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const events = parse(readFileSync(out, 'utf8'));
      expect(events.length).toBeGreaterThanOrEqual(2); // the open port and the sleeper's emit
    });
  }

  it('during the port scan (plugins loaded), SIGTERM flushes, prints the summary and exits 143', async () => {
    const r = await stopWhen(['scan', '127.0.0.1', '-p', `1-65535`, '--rate', '2000', '-Pn', '--plugin', sleeper, '-f', 'jsonl'], 'SIGTERM', (o) => o.includes('\n'));
    expect(r.signalled).toBe(true);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/interrupted by SIGTERM/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    parseJsonl(r.stdout);
  });
});
