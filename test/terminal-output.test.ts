import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cannedPlugin } from './sandbox/helpers/canned.js';

/** Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function onTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, COLUMNS: '120', LINES: '40' } });
    let screen = '';
    child.stdout.on('data', (d) => (screen += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

describe('on a terminal', () => {
  let l: Listener;
  beforeAll(async () => {
    l = await listen('127.0.0.1', { greet: 'HELLO terminal\r\n' });
  });
  afterAll(() => l.close());

  it('prints a table instead of JSON, a progress bar while a longer scan runs, and the summary', async () => {
    // ~2 s at 2500 probes/s: long enough for the bar to appear.
    const { code, screen } = await onTerminal(['scan', '127.0.0.1', '-p', `1-5000,${l.port}`, '--rate', '2500', '-Pn', '--banner']);
    expect(code).toBe(0);
    expect(screen).not.toMatch(/^\{"origin"/m);
    expect(screen).toMatch(/\[=+ *\] +\d+% [\d,]+\/5,001/); // the bar: phase, fill, percent, done/total
    expect(screen).toMatch(new RegExp(`${l.port}/tcp\\s+open\\s+syn-ack\\s+HELLO terminal`));
    expect(screen).toMatch(/wasmap: 1 host, 5,001 ports probed, [1-9]\d* open/);
  });

  it('follows detection on the bar once the ports are done: runs done of those asked for, and which plugins run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmap-progress-'));
    const sleeper = join(dir, 'sleeper.wasm');
    // a plugin that takes 3 s on the open port: long enough for the bar to show it
    writeFileSync(sleeper, cannedPlugin({ manifest: { abi: 1, name: 'slowpoke', version: '1.0.0', kind: 'scanner', match: { ports: [l.port] } }, sleepMs: 3000, output: { summary: 'done' } }));
    const { code, screen } = await onTerminal(['scan', '127.0.0.1', '--profile', 'ports', '-p', String(l.port), '-Pn', '--plugin', sleeper]);
    expect(code).toBe(0);
    expect(screen).toMatch(/detection \[=* *\] 0 of 1 plugin runs, 1 running: slow/); // (cut at the terminal width)
    expect(screen).not.toMatch(/starting +\[ +\] +0% 0\/0/); // never blind
  });

  it('prints no progress bar for a short scan', async () => {
    const { code, screen } = await onTerminal(['scan', '127.0.0.1', '--profile', 'ports', '-p', String(l.port), '-Pn']);
    expect(code).toBe(0);
    expect(screen).not.toMatch(/\d+% /);
    expect(screen).toMatch(new RegExp(`${l.port}/tcp\\s+open`));
  });
});
