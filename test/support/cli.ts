/** Runs the built wasmap CLI (dist/) as a user would, and collects its output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  input?: string;
  /** run inside this network namespace (ip netns exec) */
  netns?: string;
  /** wrap in `sh -c` with this prefix, e.g. `ulimit -n 64;` */
  shellPrefix?: string;
  cwd?: string;
}

export function spawnCli(args: string[], opts: CliOptions = {}): ChildProcess {
  let cmd = process.execPath;
  let argv = [CLI, ...args];
  if (opts.shellPrefix) {
    const quoted = [cmd, ...argv].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    argv = ['-c', `${opts.shellPrefix} exec ${quoted}`];
    cmd = '/bin/sh';
  }
  if (opts.netns) {
    argv = ['netns', 'exec', opts.netns, cmd, ...argv];
    cmd = 'ip';
  }
  return spawn(cmd, argv, {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin!.end(opts.input ?? '');
  });
}

/** Parses JSONL output, failing loudly on any line that is not JSON. */
export function parseJsonl(text: string): any[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

/** Bad input: exit 2, nothing on stdout, one line `wasmap: error: …` matching `pattern`, no stack trace. */
export function expectRefusal(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^wasmap: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** What runCliUntil saw: the CLI's result, and whether the signal was sent. */
export interface InterruptedRun extends CliResult {
  signalled: boolean;
}

/**
 * Runs the CLI and sends it `signal` the first time its stdout so far
 * satisfies `ready` (e.g. holds a first event), as a user's Ctrl-C would.
 */
export function runCliUntil(args: string[], ready: (stdout: string) => boolean, signal: NodeJS.Signals = 'SIGINT', opts: CliOptions = {}): Promise<InterruptedRun> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => {
      stdout += d;
      if (!signalled && ready(stdout)) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr, signalled }));
  });
}
