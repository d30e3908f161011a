#!/usr/bin/env node
// bench/distributed: one loopback scan (127.0.0.1-127.0.0.N × ports 1-4096
// plus the ports of the test daemons, default profile: detection and
// plugins) run locally and with `--queue` on 1, 2 and 4 `wasmap worker`
// processes on this machine, against a redis-server the bench starts itself
// on a free loopback port. The local scan is the peer: each round runs every
// contestant once (rotating the order) and each queue run is divided by the
// same round's local run. Wall time is the coordinator's, with the workers
// already up and idle (as deployed); CPU is every process's: `wasmap scan`
// (the local scan, or the coordinator), workers (their /proc counters across
// the scan) and redis. Every queue
// run's result set (origin.type, ip, port, status) must equal the local
// one's; MISMATCH is printed otherwise.
// Then the cost of a shard: the same closed-port scan with tiny shards and
// with the default size, 1 worker, beside the local scan of it.
// Goals (issue #14): queue with 1 worker ≤ 1.2× local; ≤ 5 ms per shard.
// Loopback only. Usage: node bench/distributed/run.mjs [--rounds N (or
// WASMAP_BENCH_ROUNDS)] [--hosts N] [--ports SPEC] [--workers 1,2,4]
// [--tiny-shard 64]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServices, stopServices, SERVICE_NAMES } from '../../test/support/services.mjs';
import { builtCli, median, option } from '../common.mjs';
import { cpuSeconds, redisCommand, startRedis } from './redis.mjs';

const rounds = Number(option('--rounds', process.env.WASMAP_BENCH_ROUNDS ?? '3'));
const hosts = Number(option('--hosts', '8'));
const portSpec = option('--ports', '1-4096');
const workerCounts = option('--workers', '1,2,4').split(',').map(Number);
const tinyShard = Number(option('--tiny-shard', '64'));
const RUN_LIMIT_MS = 15 * 60_000; // a run that takes longer is a hang, not a slow run
const cli = builtCli('distributed');
const preload = fileURLToPath(new URL('../memory/peak.cjs', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'wasmap-bench-distributed-'));
for (const d of ['data', 'config', 'redis']) mkdirSync(join(dir, d));
// the shared cache keeps Asyncify warm; no installed or configured plugins run
const env = { ...process.env, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), WASMAP_PLUGIN_PATH: '' };

/** origin.type ip port status, one line per event, sorted: the result set to compare. */
function resultSet(file) {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
    const e = JSON.parse(l);
    return `${e.origin.type} ${e.target?.ip ?? '-'} ${e.target?.port ?? '-'} ${e.result?.status ?? '-'}`;
  }).sort();
}

/** Lines only in a, only in b (as multisets: a duplicate counts). */
function difference(a, b) {
  const count = new Map();
  for (const x of a) count.set(x, (count.get(x) ?? 0) + 1);
  for (const x of b) count.set(x, (count.get(x) ?? 0) - 1);
  const only = (sign) => [...count].filter(([, n]) => Math.sign(n) === sign).map(([x, n]) => (Math.abs(n) > 1 ? `${x} ×${Math.abs(n)}` : x));
  return { onlyA: only(1), onlyB: only(-1) };
}

/**
 * `wasmap scan ARGS -f jsonl > out` (stderr is no terminal: no progress bar,
 * as with -q, but the shard count is told); resolves wall and CPU seconds
 * (threads included) and, in queue mode, the shards.
 */
function scan(args, out) {
  const cpuFile = `${out}.cpu.json`;
  const fd = openSync(out, 'w');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--require', preload, cli, 'scan', ...args, '-f', 'jsonl'], {
      stdio: ['ignore', fd, 'pipe'],
      env: { ...env, WASMAP_PEAK_OUT: cpuFile },
    });
    closeSync(fd);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const hang = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`HANG: wasmap scan ${args.join(' ')} still running after ${RUN_LIMIT_MS / 1000} s (output so far: ${out})`));
    }, RUN_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(hang);
      if (code !== 0) return reject(new Error(`wasmap scan ${args.join(' ')} exited ${code}: ${err.slice(0, 400)}`));
      const u = JSON.parse(readFileSync(cpuFile, 'utf8'));
      const shards = Number(/: (\d+) shards queued/.exec(err)?.[1] ?? 0);
      resolve({ wall_s: (performance.now() - t0) / 1000, cpu_s: u.user_s + u.system_s, shards });
    });
  });
}

/** `wasmap worker --queue URL` processes, resolved once each says it takes shards. */
async function startWorkers(n, url) {
  const started = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, [cli, 'worker', '--queue', url], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    const exited = new Promise((resolve) => child.once('exit', resolve));
    started.push({ child, exited, tail: () => err.slice(-400) });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wasmap worker did not start in 60 s: ${err.slice(-400)}`)), 60_000);
      child.stderr.on('data', (d) => {
        err += d;
        if (/takes shards from/.test(err)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`wasmap worker exited ${code}: ${err.slice(-400)}`)));
    });
  }
  return started;
}

/** SIGTERM by PID (a worker lets running shards finish), SIGKILL after 20 s. */
async function stopWorkers(ws) {
  for (const w of ws) if (w.child.exitCode === null && w.child.signalCode === null) process.kill(w.child.pid, 'SIGTERM');
  await Promise.all(ws.map(async (w) => {
    const late = setTimeout(() => w.child.kill('SIGKILL'), 20_000);
    await w.exited;
    clearTimeout(late);
  }));
}

let redis;
/** One queue run: empty Redis, `n` fresh idle workers, the coordinator timed; CPU of all. */
async function queueScan(n, args, out) {
  await redisCommand(redis.port, 'FLUSHALL');
  const ws = await startWorkers(n, redis.url);
  try {
    const w0 = ws.map((w) => cpuSeconds(w.child.pid));
    const r0 = cpuSeconds(redis.pid);
    const res = await scan([...args, '--queue', redis.url], out);
    const workers_s = ws.reduce((s, w, i) => s + cpuSeconds(w.child.pid) - w0[i], 0);
    return { ...res, workers_s, redis_s: cpuSeconds(redis.pid) - r0 };
  } catch (e) {
    throw new Error(`${e.message}\n  workers' stderr: ${ws.map((w) => w.tail()).join(' | ')}`);
  } finally {
    await stopWorkers(ws);
  }
}

let mismatches = 0;
function check(name, local, queued) {
  const a = resultSet(local);
  const b = resultSet(queued);
  if (a.join('\n') === b.join('\n')) return b.length;
  mismatches++;
  const { onlyA, onlyB } = difference(a, b);
  console.log(`!!! MISMATCH ${name}: local ${a.length} events, queue ${b.length} (kept: ${local} ${queued})`);
  for (const x of onlyA.slice(0, 10)) console.log(`!!!   only local: ${x}`);
  for (const x of onlyB.slice(0, 10)) console.log(`!!!   only queue: ${x}`);
  return b.length;
}

const services = await startServices([...SERVICE_NAMES]);
try {
  redis = await startRedis(join(dir, 'redis'));
  try {
    const daemonPorts = services.map((s) => s.port).sort((a, b) => a - b).join(',');
    const target = hosts > 1 ? `127.0.0.1-${hosts}` : '127.0.0.1';
    const main = [target, '-p', `${portSpec},${daemonPorts}`];
    // nothing listens on these: the shards cost what the machinery costs
    const closed = ['127.0.0.9-16', '-p', '30001-31024'];

    const f = (tag) => join(dir, `${tag}.jsonl`);
    // warm-up, untimed: the Asyncify cache, workers' plugin cache, the page cache
    await scan(main, f('warm-local'));
    await queueScan(1, main, f('warm-queue'));

    const names = ['local', ...workerCounts.map((n) => `queue, ${n} worker${n > 1 ? 's' : ''}`)];
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    const over = { local: [], tiny: [], big: [] };
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length];
        const i = names.indexOf(name);
        const out = f(`r${r}-${i}`);
        const res = i === 0 ? await scan(main, out) : await queueScan(workerCounts[i - 1], main, out);
        runs[name].push({ ...res, out });
      }
      const order = r % 2 ? ['big', 'tiny', 'local'] : ['local', 'tiny', 'big'];
      for (const which of order) {
        const out = f(`r${r}-closed-${which}`);
        if (which === 'local') over.local.push({ ...(await scan(closed, out)), out });
        else over[which].push({ ...(await queueScan(1, [...closed, '--shard-size', String(which === 'tiny' ? tinyShard : 4096)], out)), out });
      }
      for (const name of names.slice(1)) runs[name][r].events = check(`${name}, round ${r + 1}`, runs.local[r].out, runs[name][r].out);
      runs.local[r].events = resultSet(runs.local[r].out).length;
      for (const which of ['tiny', 'big']) check(`closed ports, ${which} shards, round ${r + 1}`, over.local[r].out, over[which][r].out);
    }

    const med = (xs, g) => median(xs.map(g));
    const cpu = (x) => x.cpu_s + (x.workers_s ?? 0) + (x.redis_s ?? 0);
    console.log(`bench/distributed: ${target} × ports ${portSpec} and the ${services.length} test daemons' ports, default profile, JSONL`);
    console.log(`  ${runs[names[1]]?.[0]?.shards ?? '?'} shards of ≤ 4096 probes; redis-server ${redis.url} (this bench's); ${rounds} rounds rotating the order; medians; ratios are per round against that round's local scan`);
    console.log(`  ${'run'.padEnd(18)} ${'wall s'.padStart(7)} ${'ratio'.padStart(6)} ${'CPU s'.padStart(7)} ${'scan'.padStart(6)} ${'workrs'.padStart(6)} ${'redis'.padStart(6)} ${'CPU×'.padStart(5)} ${'events'.padStart(7)} ${'events/s'.padStart(9)}`);
    for (const name of names) {
      const xs = runs[name];
      const ratio = (g) => median(xs.map((x, r) => g(x) / g(runs.local[r])));
      const line = [
        name.padEnd(18),
        med(xs, (x) => x.wall_s).toFixed(2).padStart(7),
        (name === 'local' ? '1' : ratio((x) => x.wall_s).toFixed(2)).padStart(6),
        med(xs, cpu).toFixed(2).padStart(7),
        med(xs, (x) => x.cpu_s).toFixed(2).padStart(6),
        (name === 'local' ? '-' : med(xs, (x) => x.workers_s).toFixed(2)).padStart(6),
        (name === 'local' ? '-' : med(xs, (x) => x.redis_s).toFixed(2)).padStart(6),
        (name === 'local' ? '1' : ratio(cpu).toFixed(2)).padStart(5),
        String(med(xs, (x) => x.events)).padStart(7),
        med(xs, (x) => x.events / x.wall_s).toFixed(0).padStart(9),
      ];
      console.log(`  ${line.join(' ')}`);
    }
    const one = names[1];
    console.log(`  walls: ${names.map((n) => `${n} ${runs[n].map((x) => x.wall_s.toFixed(1)).join('/')}`).join('; ')}`);
    if (workerCounts[0] === 1) console.log(`  queue with 1 worker / local = ${median(runs[one].map((x, r) => x.wall_s / runs.local[r].wall_s)).toFixed(2)}  (goal ≤ 1.20)`);

    const t = over.tiny;
    const b = over.big;
    const l = over.local;
    const closedShards = { tiny: t[0].shards, big: b[0].shards };
    console.log(`shard cost: 127.0.0.9-16 × 30001-31024 (closed), default profile, 1 worker: ${closedShards.tiny} shards of ${tinyShard} probes vs ${closedShards.big} of 4096`);
    console.log(`  local wall ${med(l, (x) => x.wall_s).toFixed(2)} s; queue wall ${med(t, (x) => x.wall_s).toFixed(2)} s (${closedShards.tiny} shards), ${med(b, (x) => x.wall_s).toFixed(2)} s (${closedShards.big}); coordinator CPU ${med(t, (x) => x.cpu_s).toFixed(2)} s / ${med(b, (x) => x.cpu_s).toFixed(2)} s; worker CPU ${med(t, (x) => x.workers_s).toFixed(2)} s / ${med(b, (x) => x.workers_s).toFixed(2)} s`);
    const perShard = (g) => median(t.map((x, r) => g(x, r))) * 1000;
    console.log(`  coordinator CPU / shard = ${perShard((x) => x.cpu_s / closedShards.tiny).toFixed(2)} ms  (marginal, against ${closedShards.big} shards: ${perShard((x, r) => (x.cpu_s - b[r].cpu_s) / (closedShards.tiny - closedShards.big)).toFixed(2)} ms)`);
    console.log(`  worker CPU / shard (marginal) = ${perShard((x, r) => (x.workers_s - b[r].workers_s) / (closedShards.tiny - closedShards.big)).toFixed(2)} ms`);
    console.log(`  end to end / shard = (queue wall − local wall) / shards = ${perShard((x, r) => (x.wall_s - l[r].wall_s) / closedShards.tiny).toFixed(2)} ms  (goal < 5 ms; marginal against ${closedShards.big} shards: ${perShard((x, r) => (x.wall_s - b[r].wall_s) / (closedShards.tiny - closedShards.big)).toFixed(2)} ms)`);
    console.log(mismatches ? `!!! ${mismatches} MISMATCH(ES): queue results differ from the local scan's (files kept in ${dir})` : '  result sets: every queue run equals its round\'s local scan');
  } finally {
    await redis.stop();
  }
} finally {
  await stopServices([...SERVICE_NAMES]);
  if (!mismatches) rmSync(dir, { recursive: true, force: true });
}
