/**
 * `wasmap scan … --resume FILE` without --queue: a local scan kept shard by
 * shard in FILE. Stopped with Ctrl-C once some shards are in the file, then
 * run again with the same FILE, its output equals an uninterrupted scan of
 * the same loopback ports, and the shards finished before are not scanned
 * again.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal, parseJsonl, runCli, spawnCli } from '../support/cli.js';
import { listen, type Listener } from '../support/listeners.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmap-local-resume-'));
const listeners: Listener[] = [];
let ports: number[] = [];

/** What identifies an event across runs (timestamps and job ids differ); only our listeners' ports (other tests open theirs nearby). */
function keys(jsonl: string): string[] {
  return parseJsonl(jsonl)
    .filter((e) => e.target.port === 0 || ports.includes(e.target.port))
    .map((e) => [e.origin.type, e.target.ip, e.target.port, e.result.status ?? '', e.result.data?.service?.name ?? e.result.service?.name ?? ''].join(' '))
    .sort();
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) listeners.push(await listen('127.0.0.1', { greet: `SSH-2.0-OpenSSH_9.2p1 wasmap-test-${i}\r\n` }));
  ports = listeners.map((l) => l.port);
});

afterAll(async () => {
  for (const l of listeners) await l.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a local scan with --resume FILE', () => {
  it('continues after Ctrl-C without scanning finished shards again; the output equals an uninterrupted scan', async () => {
    // ~600 ports: the three listeners and closed ones around the first
    const spec = `${Math.max(1, ports[0]! - 300)}-${ports[0]! + 300},${ports.join(',')}`;
    const common = ['scan', '127.0.0.1', '-p', spec, '--skip-discovery', '-f', 'jsonl', '-q'];
    const whole = await runCli(common);
    expect(whole.code, whole.stderr).toBe(0);
    expect(keys(whole.stdout).filter((k) => k.startsWith('portscan'))).toHaveLength(3);

    const state = join(tmp, 'scan.state');
    // slow enough (--rate) to be stopped halfway; small shards so several finish first
    const first = spawnCli([...common.slice(0, -1), '--resume', state, '--shard-size', '100', '--rate', '150']);
    let firstErr = '';
    first.stderr!.on('data', (d) => (firstErr += d));
    // wait for facts: the header and two finished shards in the file
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        try {
          if (readFileSync(state, 'utf8').split('\n').filter(Boolean).length >= 3) {
            clearInterval(t);
            resolve();
          }
        } catch {
          // not written yet
        }
      }, 20);
      first.on('exit', () => {
        clearInterval(t);
        reject(new Error(`the first run ended before two shards finished: ${firstErr}`));
      });
    });
    first.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => first.on('close', resolve));
    expect(code, firstErr).toBe(130);
    expect(firstErr, firstErr).toMatch(/continue with the same --resume /);
    const doneBefore = readFileSync(state, 'utf8').split('\n').filter(Boolean).length - 1;
    const sizeBefore = statSync(state).size;

    const second = await runCli([...common.slice(0, -1), '--resume', state]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`resuming scan \\S+ from .*: ${doneBefore} of \\d+ shards already done`));
    expect(keys(second.stdout)).toEqual(keys(whole.stdout));
    // every port once: nothing from the first run's shards came back twice
    const seen = parseJsonl(second.stdout).filter((e) => e.origin.type === 'portscan').map((e) => e.target.port);
    expect(new Set(seen).size).toBe(seen.length);
    // the file grew by the shards that were left, and only by them
    const lines = readFileSync(state, 'utf8').split('\n').filter(Boolean);
    const total = Number(/of (\d+) shards/.exec(second.stderr)![1]);
    expect(lines).toHaveLength(total + 1);
    expect(statSync(state).size).toBeGreaterThan(sizeBefore);
  });

  it('refuses a file that is not a scan state, and companions without their flag, with one line and exit 2', async () => {
    const bogus = join(tmp, 'not-state.txt');
    writeFileSync(bogus, 'hello\n');
    expectRefusal(await runCli(['scan', '127.0.0.1', '-p', '1', '--resume', bogus]), /--resume .*not-state\.txt: not a wasmap scan state file/);
    expectRefusal(await runCli(['scan', '127.0.0.1', '-p', '1', '--attempts', '2']), /--attempts needs --queue/);
    expectRefusal(await runCli(['scan', '127.0.0.1', '-p', '1', '--shard-size', '10']), /--shard-size needs --queue or --resume FILE/);
  });
});
