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
// the scan) and redis. Every queue run's result set (origin.type, ip, port,
// status) must equal the local one's: MISMATCH is printed otherwise, and a
// queue run that fails is printed as FAILED and run again.
// Then the cost of a shard: the same closed-port scan with tiny shards and
// with the default size, 1 worker, beside the local scan of it.
// Goals (issue #14): queue with 1 worker ≤ 1.2× local; ≤ 5 ms per shard.
// Loopback only. Usage: node bench/distributed/run.mjs [--rounds N (or
// WASMAP_BENCH_ROUNDS)] [--hosts N] [--ports SPEC] [--workers 1,2,4]
// [--tiny-shard 64] [--worker-concurrency N] [--cli path/to/dist/cli/main.js]
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
const shardsAtOnce = option('--worker-concurrency', undefined); // each worker's --concurrency (its default: 1)
const RUN_LIMIT_MS = 15 * 60_000; // a run that takes longer is a hang, not a slow run
// --cli: a copy of the build (dist/, dags/, package.json, node_modules), so a rebuild mid-run cannot mix versions
const cli = option('--cli', undefined) ?? builtCli('distributed');
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

/** `wasmap worker --queue URL` processes, resolved once each says it takes shards (none left running on failure). */
async function startWorkers(n, url) {
  const started = [];
  try {
    for (let i = 0; i < n; i++) started.push(await startWorker(url));
  } catch (e) {
    await stopWorkers(started);
    throw e;
  }
  return started;
}

async function startWorker(url) {
  const child = spawn(process.execPath, [cli, 'worker', '--queue', url, ...(shardsAtOnce ? ['--concurrency', shardsAtOnce] : [])], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = ''; // the last few lines: a line per shard would pile up
  const w = { child, exited: new Promise((resolve) => child.once('exit', resolve)), tail: () => err.slice(-400) };
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wasmap worker did not start in 60 s: ${err}`)), 60_000);
      child.stderr.on('data', (d) => {
        err = (err + d).slice(-4000);
        if (/takes shards from/.test(err)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`wasmap worker exited ${code}: ${err}`)));
    });
  } catch (e) {
    await stopWorkers([w]);
    throw e;
  }
  return w;
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
const failures = [];
/** A queue run; one whose coordinator fails is reported loudly and run again, up to 3 tries (then null). */
async function queueScan(n, args, out) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await queueScanOnce(n, args, out);
    } catch (e) {
      const first = e.message.split('\n').find((l) => /error|HANG/i.test(l)) ?? e.message.split('\n')[0];
      failures.push(`${n} worker(s), wasmap scan ${args.join(' ')} --queue …: ${first}`);
      console.log(`!!! FAILED queue run (${n} worker(s), try ${attempt}): ${first}`);
    }
  }
  return null;
}

/** One queue run: empty Redis, `n` fresh idle workers, the coordinator timed; CPU of all. */
async function queueScanOnce(n, args, out) {
  await redisCommand(redis.port, 'FLUSHALL');
  const ws = await startWorkers(n, redis.url);
  try {
    const w0 = ws.map((w) => cpuSeconds(w.child.pid));
    const r0 = cpuSeconds(redis.pid);
    const res = await scan([...args, '--queue', redis.url], out);
    const workers_s = ws.reduce((s, w, i) => s + cpuSeconds(w.child.pid) - w0[i], 0);
    return { ...res, workers_s, redis_s: cpuSeconds(redis.pid) - r0, out };
  } catch (e) {
    throw new Error(`${e.message}\n  workers' stderr: ${ws.map((w) => w.tail()).join(' | ')}`);
  } finally {
    await stopWorkers(ws);
  }
}

let mismatches = 0;
/** Compares a queue run's result set with its round's local one; MISMATCH lines if they differ. */
function check(name, local, queued) {
  const a = resultSet(local.out);
  const b = resultSet(queued.out);
  local.events = a.length;
  queued.events = b.length;
  if (a.join('\n') === b.join('\n')) return;
  mismatches++;
  const { onlyA, onlyB } = difference(a, b);
  console.log(`!!! MISMATCH ${name}: local ${a.length} events, queue ${b.length} (kept: ${local.out} ${queued.out})`);
  for (const x of onlyA.slice(0, 10)) console.log(`!!!   only local: ${x}`);
  for (const x of onlyB.slice(0, 10)) console.log(`!!!   only queue: ${x}`);
}

const med = (xs, g) => median(xs.map(g));
const cpu = (x) => x.cpu_s + (x.workers_s ?? 0) + (x.redis_s ?? 0);
const ms = (s) => (s * 1000).toFixed(2);

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
    const local = async (args, out) => ({ ...(await scan(args, out)), out });

    // warm-up, untimed: the Asyncify cache, workers' plugin cache, the page cache
    await local(main, f('warm-local'));
    await queueScan(1, main, f('warm-queue'));

    const names = ['local', ...workerCounts.map((n) => `queue, ${n} worker${n > 1 ? 's' : ''}`)];
    /** per round: name -> run (null: failed 3 times); closed-port runs: local, tiny, big */
    const rows = [];
    const over = [];
    for (let r = 0; r < rounds; r++) {
      const row = {};
      for (let k = 0; k < names.length; k++) {
        const i = (k + r) % names.length; // rotate the order so none always runs first
        row[names[i]] = i === 0 ? await local(main, f(`r${r}-${i}`)) : await queueScan(workerCounts[i - 1], main, f(`r${r}-${i}`));
      }
      const o = {};
      for (const which of r % 2 ? ['big', 'tiny', 'local'] : ['local', 'tiny', 'big']) {
        const out = f(`r${r}-closed-${which}`);
        o[which] = which === 'local' ? await local(closed, out) : await queueScan(1, [...closed, '--shard-size', String(which === 'tiny' ? tinyShard : 4096)], out);
      }
      for (const name of names.slice(1)) if (row[name]) check(`${name}, round ${r + 1}`, row.local, row[name]);
      row.local.events ??= resultSet(row.local.out).length;
      for (const which of ['tiny', 'big']) if (o[which]) check(`closed ports, ${which} shards, round ${r + 1}`, o.local, o[which]);
      rows.push(row);
      over.push(o);
    }

    const shards = rows.map((row) => Object.values(row).find((x) => x?.shards)?.shards).find(Boolean) ?? '?';
    console.log(`bench/distributed: ${target} × ports ${portSpec} and the ${services.length} test daemons' ports, default profile, JSONL`);
    console.log(`  ${shards} shards (default --shard-size 4096), ${shardsAtOnce ?? 1} at a time per worker; redis-server ${redis.url} (this bench's); ${rounds} rounds rotating the order; medians; ratios are per round against that round's local scan`);
    console.log(`  ${'run'.padEnd(18)} ${'wall s'.padStart(7)} ${'ratio'.padStart(6)} ${'CPU s'.padStart(7)} ${'scan'.padStart(6)} ${'workrs'.padStart(6)} ${'redis'.padStart(6)} ${'CPU×'.padStart(5)} ${'events'.padStart(7)} ${'events/s'.padStart(9)}  runs`);
    const ratios = {};
    for (const name of names) {
      const paired = rows.filter((row) => row[name]);
      const xs = paired.map((row) => row[name]);
      if (xs.length === 0) {
        console.log(`  ${name.padEnd(18)} FAILED in every round`);
        continue;
      }
      const q = name !== 'local';
      const ratio = (g) => median(paired.map((row) => g(row[name]) / g(row.local)));
      ratios[name] = ratio((x) => x.wall_s);
      ratios[`${name} rounds`] = paired.map((row) => (row[name].wall_s / row.local.wall_s).toFixed(2)).join('/');
      const line = [
        name.padEnd(18),
        med(xs, (x) => x.wall_s).toFixed(2).padStart(7),
        ratios[name].toFixed(2).padStart(6),
        med(xs, cpu).toFixed(2).padStart(7),
        med(xs, (x) => x.cpu_s).toFixed(2).padStart(6),
        (q ? med(xs, (x) => x.workers_s).toFixed(2) : '-').padStart(6),
        (q ? med(xs, (x) => x.redis_s).toFixed(2) : '-').padStart(6),
        ratio(cpu).toFixed(2).padStart(5),
        String(med(xs, (x) => x.events)).padStart(7),
        med(xs, (x) => x.events / x.wall_s).toFixed(1).padStart(9),
        ` ${xs.map((x) => x.wall_s.toFixed(1)).join('/')}${xs.length < rounds ? ` (${rounds - xs.length} failed)` : ''}`,
      ];
      console.log(`  ${line.join(' ')}`);
    }
    const one = names.find((n) => n === 'queue, 1 worker');
    if (ratios[one] !== undefined) console.log(`  queue with 1 worker / local = ${ratios[one].toFixed(2)}  (goal ≤ 1.20: ${ratios[one] <= 1.2 ? 'met' : 'NOT met'}; per round ${ratios[`${one} rounds`]})`);

    // the shard's cost: rounds where all three closed-port runs finished
    const full = over.filter((o) => o.local && o.tiny && o.big);
    if (full.length === 0) console.log('shard cost: not measured, the tiny-shard queue runs FAILED in every round');
    else {
      const nt = full[0].tiny.shards;
      const nb = full[0].big.shards;
      const per = (g) => median(full.map(g));
      console.log(`shard cost: 127.0.0.9-16 × 30001-31024 (closed), default profile, 1 worker: ${nt} shards of ${tinyShard} probes vs ${nb} of 4096 (${full.length} round(s))`);
      console.log(`  wall: local ${per((o) => o.local.wall_s).toFixed(2)} s, queue ${per((o) => o.tiny.wall_s).toFixed(2)} s (${nt} shards), ${per((o) => o.big.wall_s).toFixed(2)} s (${nb}); CPU: coordinator ${per((o) => o.tiny.cpu_s).toFixed(2)} / ${per((o) => o.big.cpu_s).toFixed(2)} s, worker ${per((o) => o.tiny.workers_s).toFixed(2)} / ${per((o) => o.big.workers_s).toFixed(2)} s, redis ${per((o) => o.tiny.redis_s).toFixed(2)} / ${per((o) => o.big.redis_s).toFixed(2)} s`);
      const endToEnd = per((o) => (o.tiny.wall_s - o.local.wall_s) / nt);
      console.log(`  coordinator CPU / shard = ${ms(per((o) => o.tiny.cpu_s / nt))} ms; marginal (${nt} vs ${nb} shards): coordinator ${ms(per((o) => (o.tiny.cpu_s - o.big.cpu_s) / (nt - nb)))} ms, worker ${ms(per((o) => (o.tiny.workers_s - o.big.workers_s) / (nt - nb)))} ms, redis ${ms(per((o) => (o.tiny.redis_s - o.big.redis_s) / (nt - nb)))} ms CPU per shard`);
      console.log(`  end to end / shard = (queue wall − local wall) / shards = ${ms(endToEnd)} ms  (goal < 5 ms: ${endToEnd < 0.005 ? 'met' : 'NOT met'}); marginal (${nt} vs ${nb} shards) ${ms(per((o) => (o.tiny.wall_s - o.big.wall_s) / (nt - nb)))} ms`);
    }
    if (failures.length) console.log(`!!! ${failures.length} FAILED queue run(s):\n${failures.map((x) => `!!!   ${x}`).join('\n')}`);
    console.log(mismatches ? `!!! ${mismatches} MISMATCH(ES): queue results differ from the local scan's (files kept in ${dir})` : "  result sets: every finished queue run equals its round's local scan (origin.type, ip, port, status)");
  } finally {
    await redis.stop();
  }
} finally {
  await stopServices([...SERVICE_NAMES]);
  if (!mismatches) rmSync(dir, { recursive: true, force: true });
}
