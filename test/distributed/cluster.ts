/**
 * The parts of a distributed scan as real processes: `wasmap worker` and
 * `wasmap scan --queue` children of the built CLI, a local scan to compare
 * with, and the shard states BullMQ keeps in Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { CLI, parseJsonl, runCli, type CliResult } from '../support/cli.js';
import { SHARD_QUEUE, shardJobId } from '../../src/distributed/protocol.js';

/** Shared by every run (and every test file): the Asyncify cache stays warm (a cold one costs ~40 s). */
export const CACHE_HOME = join(tmpdir(), 'wasmap-distributed-cache');
mkdirSync(CACHE_HOME, { recursive: true });
/** Stays empty: no installed plugins, no user config. */
const EMPTY = join(tmpdir(), 'wasmap-distributed-xdg');

export function env(extra: Record<string, string> = {}): Record<string, string> {
  return { XDG_CACHE_HOME: CACHE_HOME, XDG_DATA_HOME: join(EMPTY, 'data'), XDG_CONFIG_HOME: join(EMPTY, 'config'), WASMAP_PLUGIN_PATH: '', NO_COLOR: '1', ...extra };
}

/** Every child still running: a test that timed out while one started must not leave it taking shards in the next test. */
const alive = new Set<Proc>();

/** Ends every child this file started that is still running. */
export async function endAll(): Promise<void> {
  await Promise.all([...alive].map((p) => p.end()));
}

/** A CLI child whose output the test can wait on. */
export class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d) => {
      this.stdout += d;
      this.#poke();
    });
    child.stderr!.on('data', (d) => {
      this.stderr += d;
      this.#poke();
    });
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    alive.add(this);
    void this.exited.then(() => alive.delete(this));
    void this.exited.then(() => this.#poke());
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  #poke(): void {
    for (const w of this.#waiters) w();
  }

  /**
   * Resolves with the first match of `re` in stderr; fails if the process exits first or `ms` pass.
   * 240 s by default: a coordinator or worker loads every bundled plugin first, and a cold
   * Asyncify cache on a fresh clone under load takes minutes (the tests allow 300 s).
   */
  async waitStderr(re: RegExp, ms = 240_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.stderr);
      if (m) return m;
      if (!this.running) throw new Error(`exited before ${re} on stderr:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${re} on stderr within ${ms} ms:\n${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(done, 500);
        this.#waiters.add(done);
        function done(): void {
          clearTimeout(t);
          r();
        }
        void t;
      });
    }
  }

  kill(sig: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, sig);
  }

  /** SIGCONT (in case it was stopped) and SIGKILL; waits for the exit. */
  async end(): Promise<void> {
    if (!this.running) return;
    process.kill(this.pid, 'SIGCONT');
    process.kill(this.pid, 'SIGKILL');
    await this.exited;
  }
}

export function wasmap(args: string[], extraEnv: Record<string, string> = {}): Proc {
  return new Proc(spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env(extraEnv) }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A `wasmap worker`, once it said it takes shards; its id is the BullMQ worker name. */
export async function startWorker(url: string, extra: string[] = [], extraEnv: Record<string, string> = {}): Promise<{ p: Proc; id: string }> {
  const p = wasmap(['worker', '--queue', url, '--lock-ms', '4000', ...extra], extraEnv);
  const m = await p.waitStderr(/wasmap worker: (\S+) \(wasmap [^)]+\) takes shards/);
  return { p, id: m[1]! };
}

export function runWasmap(args: string[]): Promise<CliResult> {
  return runCli(args, { env: env() });
}

/** The scan id and shard count a coordinator announces once the flow is enqueued. */
export async function queuedScan(coordinator: Proc): Promise<{ id: string; shards: number }> {
  const m = await coordinator.waitStderr(/scan (\S+): (\d+) shards queued/);
  return { id: m[1]!, shards: Number(m[2]) };
}

/** One line per event, without what differs between runs (times, ids, rtt): queue and local runs must give the same multiset. */
export function eventKeys(jsonl: string): string[] {
  return parseJsonl(jsonl)
    .map((e) => {
      const r = e.result ?? {};
      const service = r.data?.service?.name ?? '';
      const findings = e.origin.type === 'misconfig' ? `findings=${r.data?.findings}` : '';
      return [e.origin.type, e.target.ip, e.target.port, r.status ?? '', r.data?.state?.state ?? '', service, findings].join('|');
    })
    .sort();
}

/** The open ports of a JSONL result (portscan events), in order of appearance. */
export function openPorts(jsonl: string): string[] {
  return parseJsonl(jsonl)
    .filter((e) => e.origin.type === 'portscan')
    .map((e) => `${e.target.ip}:${e.target.port}`);
}

/** Shard states as BullMQ holds them in Redis. */
export class Shards {
  readonly queue: Queue;

  constructor(url: string) {
    const u = new URL(url);
    this.queue = new Queue(SHARD_QUEUE, { connection: { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null } });
    this.queue.on('error', () => undefined); // Redis restarts in some tests
  }

  async job(scanId: string, n: number): Promise<Job | undefined> {
    return Job.fromId(this.queue, shardJobId(scanId, n));
  }

  async state(scanId: string, n: number): Promise<{ state: string; by?: string; attempts: number } | undefined> {
    const job = await this.job(scanId, n);
    if (!job) return undefined;
    return { state: await job.getState(), by: job.processedBy, attempts: job.attemptsStarted };
  }

  /** Polls (bounded) until `pred` holds for some shard of 0..count-1; returns that shard's number. */
  async waitFor(scanId: string, count: number, pred: (s: { state: string; by?: string; attempts: number }, n: number) => boolean, ms = 60_000): Promise<number> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      for (let n = 0; n < count; n++) {
        const s = await this.state(scanId, n);
        if (s && pred(s, n)) return n;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no shard of ${scanId} reached the awaited state within ${ms} ms`);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
