#!/usr/bin/env node
// bench/startup: how fast `wasmap --help` starts (goal: well under 200 ms),
// next to `nmap --version` in the same run. Usage: node bench/startup/run.mjs [--rounds N]
import { spawnSync } from 'node:child_process';
import { builtCli, median, option } from '../common.mjs';

const rounds = Number(option('--rounds', '15'));
const cli = builtCli('startup');

function time(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

const cases = [
  ['wasmap --help', process.execPath, [cli, '--help']],
  ['wasmap scan --help', process.execPath, [cli, 'scan', '--help']],
  ['node -e 0 (floor)', process.execPath, ['-e', '0']],
  ['nmap --version', 'nmap', ['--version']],
];
const results = new Map(cases.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) for (const [name, cmd, args] of cases) results.get(name).push(time(cmd, args));

console.log(`bench/startup: ${rounds} rounds, medians`);
for (const [name, xs] of results) console.log(`  ${name.padEnd(20)} ${median(xs).toFixed(1).padStart(7)} ms`);
const help = median(results.get('wasmap --help'));
console.log(`  ratio wasmap --help / nmap --version = ${(help / median(results.get('nmap --version'))).toFixed(2)}; goal: wasmap --help < 200 ms (${help < 200 ? 'met' : 'NOT met'})`);
