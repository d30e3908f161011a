import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnCli, parseJsonl } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';

describe('stopping a scan', () => {
  const listeners: Listener[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 40; i++) listeners.push(await listen('127.0.0.1'));
  });
  afterAll(() => Promise.all(listeners.map((l) => l.close())));

  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`on ${signal} flushes every open port found so far, prints the summary and exits ${status}`, async () => {
      // A rate-limited full scan takes ~30 s; it is interrupted after the first result.
      const child = spawnCli(['scan', '--profile', 'ports', '127.0.0.1', '-p-', '--rate', '2000', '-Pn', '-f', 'jsonl']);
      let stdout = '';
      let stderr = '';
      let signalled = false;
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      child.stdout!.on('data', (d) => {
        stdout += d;
        if (!signalled && stdout.includes('\n')) {
          signalled = true;
          child.kill(signal);
        }
      });
      const code = await exited;
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
