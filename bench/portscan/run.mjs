#!/usr/bin/env node
// bench/portscan: `wasmap scan 127.0.0.1 -p-` against `nmap -sT -p- --min-rate 10000 127.0.0.1`
// in the same run, alternating, several rounds; prints medians and the ratios wasmap/nmap.
// wasmap runs twice per round: as typed (the default profile, which also names the
// services on the open ports and runs the plugins) and with `--profile ports`, the
// bare port scan that is what `nmap -sT` does.
// Loopback only. Usage: node bench/portscan/run.mjs [--rounds N] [--ports SPEC]
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const rounds = Number(opt('--rounds', '5'));
const ports = opt('--ports', '-');
const target = '127.0.0.1';
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

if (!existsSync(cli)) {
  console.error('bench/portscan: build first (npm run build)');
  process.exit(2);
}
if (spawnSync('nmap', ['--version']).status !== 0) {
  console.error('bench/portscan: nmap is not installed (apt-get install -y nmap)');
  process.exit(2);
}

function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', () => {});
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}`));
      resolve({ ms: performance.now() - t0, out });
    });
  });
}

const openFromWasmap = (out) =>
  new Set(out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.origin.module === 'portscan').map((e) => e.target.port));
const openFromNmap = (out) => new Set([...out.matchAll(/(\d+)\/open\/tcp/g)].map((m) => Number(m[1])));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const contestants = {
  wasmap: [process.execPath, [cli, 'scan', target, '-p', ports, '-f', 'jsonl', '-q']],
  'wasmap --profile ports': [process.execPath, [cli, 'scan', target, '-p', ports, '--profile', 'ports', '-f', 'jsonl', '-q']],
  nmap: ['nmap', ['-sT', '-p', ports, '--min-rate', '10000', '-n', '-oG', '-', target]],
};
const names = Object.keys(contestants);
const times = Object.fromEntries(names.map((k) => [k, []]));
const open = {};
for (let r = 0; r < rounds; r++) {
  // Rotate who goes first so none always gets a warm cache.
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const who of order) {
    const [cmd, argv] = contestants[who];
    const res = await run(cmd, argv);
    times[who].push(res.ms);
    open[who] = who === 'nmap' ? openFromNmap(res.out) : openFromWasmap(res.out);
  }
}

const med = Object.fromEntries(names.map((k) => [k, median(times[k])]));
const sameAs = (a, b) => a.size === b.size && [...a].every((p) => b.has(p));
console.log(`bench/portscan: ${target} ports ${ports}, ${rounds} rounds, rotating order`);
for (const k of names) console.log(`  ${k.padEnd(24)} median ${med[k].toFixed(0).padStart(6)} ms   runs ${times[k].map((x) => x.toFixed(0)).join(' ')}`);
const same = sameAs(open.wasmap, open.nmap) && sameAs(open['wasmap --profile ports'], open.nmap);
console.log(`  open ports: wasmap ${open.wasmap.size}, nmap ${open.nmap.size}${same ? ' (same set)' : ' (DIFFERENT sets)'}`);
console.log(`  ratio wasmap/nmap = ${(med.wasmap / med.nmap).toFixed(2)}  (as typed, with detection on the open ports; goal <= 1.0, later 0.5)`);
console.log(`  ratio wasmap --profile ports/nmap = ${(med['wasmap --profile ports'] / med.nmap).toFixed(2)}  (port scan only, like for like)`);
