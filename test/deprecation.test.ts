/**
 * The fast connector drives libuv through process.binding('tcp_wrap'), which
 * Node deprecates (DEP0111). Under Node's deprecation settings a scan must
 * neither print that warning nor crash on it (the warning comes
 * asynchronously, so no try/catch can catch it): it takes the `net` connector.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, parseJsonl, type CliResult } from './support/cli.js';
import { listen, closedPort, type Listener } from './support/listeners.js';

const DIST = new URL('../dist/', import.meta.url);

/** `node NODE_ARGS ARGS…` as a user would type it, with `env` added to this process's (less a WASMAP_CONNECTOR a CI pass set). */
function runNode(nodeArgs: string[], args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { WASMAP_CONNECTOR: _, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, ...args], {
      env: { ...inherited, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const DEPRECATION = /DEP0111|DeprecationWarning/;

describe('a scan under Node deprecation settings', () => {
  let silent: Listener;
  let greeting: Listener;
  let closed: number;
  let dir: string;
  let scanScript: string;

  beforeAll(async () => {
    silent = await listen('127.0.0.1');
    greeting = await listen('127.0.0.1', { greet: '220 ready\r\n' });
    closed = await closedPort('127.0.0.1');
    dir = await mkdtemp(join(tmpdir(), 'wasmap-deprecation-'));
    scanScript = join(dir, 'scan.mjs');
    await writeFile(scanScript, `
      if (process.env.SET_THROW_DEPRECATION) process.throwDeprecation = true;
      const { ConnectScan } = await import(${JSON.stringify(new URL('net/connect-scanner.js', DIST).href)});
      const { buildTargetSet } = await import(${JSON.stringify(new URL('targets/target-set.js', DIST).href)});
      const scan = new ConnectScan({
        targets: await buildTargetSet({ targets: ['127.0.0.1'] }), ports: [Number(process.env.SCAN_PORT)], seed: 1n,
        concurrency: 4, rate: 0, timeoutMs: 2000, retries: 0, workers: Number(process.env.SCAN_WORKERS), report: [0],
      });
      const found = [];
      const stats = await scan.start((r) => found.push(r.port), (m) => console.error(m));
      console.log(JSON.stringify({ connector: stats.connector, found }));
    `);
  });
  afterAll(async () => {
    await silent.close();
    await greeting.close();
    await rm(dir, { recursive: true, force: true });
  });

  const settings: Array<{ name: string; nodeArgs: string[]; env?: Record<string, string> }> = [
    { name: '--throw-deprecation', nodeArgs: ['--throw-deprecation'] },
    { name: '--pending-deprecation', nodeArgs: ['--pending-deprecation'] },
    { name: '--pending-deprecation --throw-deprecation', nodeArgs: ['--pending-deprecation', '--throw-deprecation'] },
    { name: 'NODE_OPTIONS=--pending-deprecation', nodeArgs: [], env: { NODE_OPTIONS: '--pending-deprecation' } },
    { name: 'NODE_PENDING_DEPRECATION=1', nodeArgs: [], env: { NODE_PENDING_DEPRECATION: '1' } },
  ];
  // workers 1: the probes run in a worker thread, whose own warning (or crash) the main thread only logs
  for (const workers of ['calling thread', '1']) {
    for (const s of settings) {
      it(`finds the open port with no deprecation warning (${s.name}, scanner on ${workers === '1' ? 'a worker thread' : 'the calling thread'})`, async () => {
        const r = await runNode(s.nodeArgs, [
          CLI, 'scan', '--profile', 'ports', '127.0.0.1', '-p', `${silent.port},${closed}`, '-f', 'jsonl', '-q',
          ...(workers === '1' ? ['--workers', '1'] : []),
        ], s.env);
        expect(r.stderr).not.toMatch(DEPRECATION);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(parseJsonl(r.stdout).map((e) => [e.target.port, e.result.data.state.state])).toEqual([[silent.port, 'open']]);
      });
    }
  }

  it('runs the default scan (detection plugins included) to the end under --pending-deprecation --throw-deprecation', async () => {
    const r = await runNode(['--pending-deprecation', '--throw-deprecation'], [CLI, 'scan', '127.0.0.1', '-p', String(greeting.port), '-f', 'jsonl']);
    expect(r.stderr).not.toMatch(DEPRECATION);
    expect(r.code, r.stderr).toBe(0);
    const ports = parseJsonl(r.stdout).filter((e) => e.origin.type === 'portscan');
    expect(ports.map((e) => [e.target.port, e.result.data.state.state])).toEqual([[greeting.port, 'open']]);
    expect(r.stderr).toMatch(/1 open/);
  });

  // Which connector ran is visible in the connect scanner's stats (the CLI does not print it).
  // A script file, not `-e`: worker threads inherit the node flags, and --input-type fails there.
  const connectorOf = async (nodeArgs: string[], workers: number, env: Record<string, string> = {}): Promise<string> => {
    const r = await runNode(nodeArgs, [scanScript], { ...env, SCAN_PORT: String(silent.port), SCAN_WORKERS: String(workers) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { connector: string; found: number[] };
    expect(out.found).toEqual([silent.port]);
    return out.connector;
  };

  for (const workers of [0, 1]) {
    const where = workers === 0 ? 'on the calling thread' : 'on a worker thread';
    it(`keeps the libuv connector when no deprecation setting asks otherwise (${where})`, async () => {
      expect(await connectorOf([], workers)).toBe('libuv');
      expect(await connectorOf(['--no-deprecation'], workers)).toBe('libuv');
    });

    it(`takes the net connector when the caller set process.throwDeprecation in code (${where})`, async () => {
      expect(await connectorOf([], workers, { SET_THROW_DEPRECATION: '1' })).toBe('net');
    });

    it(`takes the net connector with WASMAP_CONNECTOR=net (${where})`, async () => {
      expect(await connectorOf([], workers, { WASMAP_CONNECTOR: 'net' })).toBe('net');
    });
  }
});
