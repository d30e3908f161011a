#!/usr/bin/env node
// bench/portscan: `wasmap scan 127.0.0.1 -p-` against `nmap -sT -p- --min-rate 10000 127.0.0.1`
// in the same run, alternating, several rounds; prints medians and the ratio wasmap/nmap.
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

const openFromWasmap = (out) => new Set(out.split('\n').filter(Boolean).map((l) => JSON.parse(l).target.port));
const openFromNmap = (out) => new Set([...out.matchAll(/(\d+)\/open\/tcp/g)].map((m) => Number(m[1])));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const wasmapArgs = [cli, 'scan', target, '-p', ports, '-f', 'jsonl', '-q'];
const nmapArgs = ['-sT', '-p', ports, '--min-rate', '10000', '-n', '-oG', '-', target];
const w = [];
const n = [];
let lastW;
let lastN;
for (let r = 0; r < rounds; r++) {
  // Alternate who goes first so neither always gets a warm cache.
  const order = r % 2 === 0 ? ['w', 'n'] : ['n', 'w'];
  for (const who of order) {
    if (who === 'w') {
      const res = await run(process.execPath, wasmapArgs);
      w.push(res.ms);
      lastW = openFromWasmap(res.out);
    } else {
      const res = await run('nmap', nmapArgs);
      n.push(res.ms);
      lastN = openFromNmap(res.out);
    }
  }
}

const mw = median(w);
const mn = median(n);
const same = lastW.size === lastN.size && [...lastW].every((p) => lastN.has(p));
console.log(`bench/portscan: ${target} ports ${ports}, ${rounds} rounds, alternating`);
console.log(`  wasmap  median ${mw.toFixed(0).padStart(6)} ms   runs ${w.map((x) => x.toFixed(0)).join(' ')}`);
console.log(`  nmap    median ${mn.toFixed(0).padStart(6)} ms   runs ${n.map((x) => x.toFixed(0)).join(' ')}`);
console.log(`  open ports: wasmap ${lastW.size}, nmap ${lastN.size}${same ? ' (same set)' : ' (DIFFERENT sets)'}`);
console.log(`  ratio wasmap/nmap = ${(mw / mn).toFixed(2)}  (goal <= 1.0, later 0.5)`);
