#!/usr/bin/env node
// bench/portscan: `wasmap scan 127.0.0.1 -p-` against `nmap -sT -p- --min-rate 10000 127.0.0.1`
// in the same run, alternating, several rounds; prints medians and the ratios wasmap/nmap.
// wasmap runs twice per round: as typed (the default profile, which also names the
// services on the open ports and runs the plugins) and with `--profile ports`, the
// bare port scan that is what `nmap -sT` does.
// Loopback only. Usage: node bench/portscan/run.mjs [--rounds N] [--ports SPEC]
import { builtCli, median, option, requireNmap, timedRun as run } from '../common.mjs';

const rounds = Number(option('--rounds', '5'));
const ports = option('--ports', '-');
const target = '127.0.0.1';
const cli = builtCli('portscan');
requireNmap('portscan');

const openFromWasmap = (out) =>
  new Set(out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.origin.module === 'portscan').map((e) => e.target.port));
const openFromNmap = (out) => new Set([...out.matchAll(/(\d+)\/open\/tcp/g)].map((m) => Number(m[1])));

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
