// The README's "Library" example is examples/library/scan.mjs: run here as a
// user would (node, `import from 'wasmap'`), and the README must show it as is.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listen, type Listener } from './support/listeners.js';

const EXAMPLE = fileURLToPath(new URL('../examples/library/scan.mjs', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));

function runExample(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [EXAMPLE, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('the library example', () => {
  let l: Listener;
  beforeAll(async () => {
    l = await listen('127.0.0.1', { greet: 'SSH-2.0-test\r\n' });
  });
  afterAll(() => l.close());

  it('scans the port it is given on 127.0.0.1 and prints its events and summary', async () => {
    const r = await runExample([String(l.port)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `portscan 127.0.0.1:${l.port} open`,
      `banner 127.0.0.1:${l.port} "SSH-2.0-test\\r\\n"`,
      'hosts: 1, ports probed: 1, open: 1',
    ]);
  });

  it('without a port, scans a server of its own', async () => {
    const r = await runExample([]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^portscan 127\.0\.0\.1:\d+ open$/);
    expect(lines[1]).toMatch(/^banner 127\.0\.0\.1:\d+ "hello from the example\\r\\n"$/);
    expect(lines[2]).toBe('hosts: 1, ports probed: 1, open: 1');
  });

  it('is the code the README shows under "Library"', () => {
    const readme = readFileSync(README, 'utf8');
    const section = readme.slice(readme.indexOf('\n## Library\n'));
    const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(readFileSync(EXAMPLE, 'utf8'));
  });
});
