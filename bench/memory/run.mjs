#!/usr/bin/env node
// bench/memory: peak RSS (threads included) of `wasmap scan` as the result set
// grows. Each scan runs twice in the same round: reporting every port
// (--states all: 65,535 events for -p-, ~1M for 16 loopback addresses × -p-)
// and reporting open ports only (a handful of events) — the peer that does
// the same probing. Their ratio is what the result set costs: results stream
// to the writer, so it should stay near 1 (goal ≤ 1.2). The 8-event scan
// (-p 1-8) is printed too: the floor of a scan at all.
// Loopback only. Usage: node bench/memory/run.mjs [--rounds N] [--hosts N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtCli, median, option } from '../common.mjs';

const rounds = Number(option('--rounds', '3'));
const hosts = Number(option('--hosts', '16'));
const cli = builtCli('memory');
const preload = fileURLToPath(new URL('./peak.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wasmap-bench-memory-'));

const all = ['--states', 'all'];
const scans = {
  '-p 1-8, all states': ['127.0.0.1', '-p', '1-8', ...all],
  '-p-, open only': ['127.0.0.1', '-p', '-'],
  '-p-, all states': ['127.0.0.1', '-p', '-', ...all],
  [`${hosts} hosts -p-, open only`]: [`127.0.0.1-${hosts}`, '-p', '-', '-Pn'],
  [`${hosts} hosts -p-, all states`]: [`127.0.0.1-${hosts}`, '-p', '-', '-Pn', ...all],
};
/** each all-states scan and its open-only peer */
const pairs = [['-p-, all states', '-p-, open only'], [`${hosts} hosts -p-, all states`, `${hosts} hosts -p-, open only`]];

/** One scan, JSONL to /dev/null; resolves its peak RSS, CPU and wall time. */
function measure(args, tag) {
  const out = join(dir, `${tag}.json`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--require', preload, cli, 'scan', ...args, '--profile', 'ports', '-f', 'jsonl', '-q'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, WASMAP_PEAK_OUT: out },
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wasmap scan ${args.join(' ')} exited ${code}: ${err.slice(0, 300)}`));
      resolve({ wall_s: (performance.now() - t0) / 1000, ...JSON.parse(readFileSync(out, 'utf8')) });
    });
  });
}

const names = Object.keys(scans);
const runs = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < rounds; r++) {
  // rotate the order so no scan always runs on a warm machine
  for (let k = 0; k < names.length; k++) {
    const n = names[(k + r) % names.length];
    runs[n].push(await measure(scans[n], `${r}-${k}`));
  }
}
const med = (n, f) => median(runs[n].map(f));
const rss = (n) => med(n, (x) => x.max_rss_kb);
console.log(`wasmap scan --profile ports, JSONL to /dev/null, ${rounds} rounds (medians)`);
for (const n of names) {
  console.log(`  ${n.padEnd(28)} peak RSS ${(rss(n) / 1024).toFixed(1).padStart(6)} MiB  CPU ${med(n, (x) => x.user_s + x.system_s).toFixed(2).padStart(6)} s  wall ${med(n, (x) => x.wall_s).toFixed(2).padStart(6)} s`);
}
for (const [a, b] of pairs) console.log(`result set's cost: ${a} / ${b} = ${(rss(a) / rss(b)).toFixed(2)} (goal ≤ 1.20)`);
console.log(`against the 8-event floor: ${pairs.map(([a]) => `${a} ${(rss(a) / rss(names[0])).toFixed(2)}×`).join(', ')}`);
