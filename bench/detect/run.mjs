#!/usr/bin/env node
// bench/detect: every real daemon the tests start (test/support/services.mjs,
// every port of each: a service's extra.ports too), identified by `wasmap
// scan` (its default profile: service-simple, the protocol plugins, the
// misconfig evaluator) and by `nmap -sV`, alternating, in the same run.
// Prints a row per port (nmap's name/product/version, ours), marks where ours
// misses what nmap names and where ours names what nmap does not, the counts,
// and the time ratio (wall and CPU seconds). Loopback only. Exits 2 on a
// setup failure (no build, no nmap, a daemon that does not start), never on
// the ratio.
// Usage: node bench/detect/run.mjs [--rounds N] [--port-offset N] [--skip name,...]
//   --port-offset runs a private set (own run dir, every port + N) beside the
//   shared daemons other test runs lease on the fixed ports; --skip leaves
//   services out (said in the header).
import path from 'node:path';
import { DEFAULT_RUN_DIR, startServices, stopServices, SERVICE_NAMES } from '../../test/support/services.mjs';
import { builtCli, median, option, requireNmap } from '../common.mjs';
import { cell, nmapNamed, ours, oursNamed, sameService, theirs } from './results.mjs';
import { requireGnuTime, timedCpu } from './timed.mjs';

const rounds = Number(option('--rounds', '3'));
const portOffset = Number(option('--port-offset', '0'));
const skip = option('--skip', '').split(',').filter(Boolean);
const names = SERVICE_NAMES.filter((n) => !skip.includes(n));
const where = portOffset ? { portOffset, runDir: path.join(DEFAULT_RUN_DIR, 'bench-detect') } : {};
const cli = builtCli('detect');
requireNmap('detect');
requireGnuTime('detect');

/** @param {import('../../test/support/services.mjs').RunningService} s @returns {{port: number, label: string}[]} */
function portsOf(s) {
  const extra = /** @type {Record<string, number>} */ (s.extra?.ports ?? {});
  return [{ port: s.port, label: s.name }, ...Object.entries(extra).map(([k, port]) => ({ port, label: `${s.name}/${k}` }))];
}

/** All of them, with a second try for one slow on a cold start (podman setting up its storage). */
async function startAll() {
  try {
    return await startServices(names, where);
  } catch (first) {
    console.error(`bench/detect: retrying after: ${/** @type {Error} */ (first).message.split('\n')[0]}`);
    return startServices(names, where);
  }
}

let services;
try {
  services = await startAll();
} catch (e) {
  console.error(`bench/detect: the test daemons did not all start:\n${/** @type {Error} */ (e).message}`);
  await stopServices(names, where).catch(() => undefined);
  process.exit(2);
}
try {
  const targets = services.flatMap(portsOf).sort((a, b) => a.port - b.port);
  const ports = targets.map((t) => t.port).join(',');
  /** @type {{wall_s: number, cpu_s: number}[]} */ const w = [];
  /** @type {{wall_s: number, cpu_s: number}[]} */ const n = [];
  let lastOurs = new Map();
  let lastTheirs = new Map();
  for (let r = 0; r < rounds; r++) {
    for (const who of r % 2 === 0 ? ['w', 'n'] : ['n', 'w']) {
      if (who === 'w') {
        const res = await timedCpu(process.execPath, [cli, 'scan', '127.0.0.1', '-p', ports, '-Pn', '-f', 'jsonl', '-q']);
        w.push(res);
        lastOurs = ours(res.out);
      } else {
        const res = await timedCpu('nmap', ['-sV', '-Pn', '-n', '-p', ports, '-oX', '-', '127.0.0.1']);
        n.push(res);
        lastTheirs = theirs(res.out);
      }
    }
  }
  console.log(`bench/detect: ${services.length} real services, ${targets.length} TCP ports on 127.0.0.1, ${rounds} rounds alternating; last round's answers${skip.length ? `; skipped: ${skip.join(', ')}` : ''}`);
  console.log('  marks: MISS = nmap names it from what it saw, wasmap does not; MORE = wasmap names it, nmap does not;');
  console.log('         DIFF = both name it, not the same service; "-" = named nothing');
  const head = `  ${'port'.padEnd(6)}${'service'.padEnd(18)}${'nmap -sV'.padEnd(46)}${'wasmap'.padEnd(46)}`;
  console.log(head);
  let nmapCount = 0;
  let oursCount = 0;
  let both = 0;
  let same = 0;
  const misses = [];
  const more = [];
  for (const t of targets) {
    const o = lastOurs.get(t.port);
    const th = lastTheirs.get(t.port);
    const nn = nmapNamed(th);
    const on = oursNamed(o);
    if (nn) nmapCount++;
    if (on) oursCount++;
    if (nn && on) both++;
    if (nn && on && sameService(th, o)) same++;
    const mark = nn && !on ? 'MISS' : on && !nn ? 'MORE' : nn && on && !sameService(th, o) ? 'DIFF' : '';
    if (mark === 'MISS') misses.push(t.label);
    if (mark === 'MORE') more.push(t.label);
    console.log(`  ${String(t.port).padEnd(6)}${t.label.padEnd(18)}${cell(th).slice(0, 44).padEnd(46)}${cell(o).slice(0, 44).padEnd(46)}${mark}`);
  }
  console.log(`  ports: ${targets.length}; named by nmap -sV: ${nmapCount}; by wasmap: ${oursCount}; by both: ${both} (the same service: ${same})`);
  console.log(`  wasmap misses (${misses.length}): ${misses.join(', ') || 'none'}`);
  console.log(`  wasmap names, nmap does not (${more.length}): ${more.join(', ') || 'none'}`);
  const med = (/** @type {{wall_s: number, cpu_s: number}[]} */ xs, /** @type {'wall_s' | 'cpu_s'} */ k) => median(xs.map((x) => x[k]));
  const runs = (/** @type {{wall_s: number, cpu_s: number}[]} */ xs) => xs.map((x) => `${x.wall_s.toFixed(1)}/${x.cpu_s.toFixed(1)}`).join(' ');
  console.log(`  wasmap: median wall ${med(w, 'wall_s').toFixed(2)} s, CPU ${med(w, 'cpu_s').toFixed(2)} s (wall/CPU per round: ${runs(w)})`);
  console.log(`  nmap:   median wall ${med(n, 'wall_s').toFixed(2)} s, CPU ${med(n, 'cpu_s').toFixed(2)} s (wall/CPU per round: ${runs(n)})`);
  console.log(`  time ratio wasmap/nmap: wall ${(med(w, 'wall_s') / med(n, 'wall_s')).toFixed(2)} (goal <= 0.5), CPU ${(med(w, 'cpu_s') / med(n, 'cpu_s')).toFixed(2)}`);
} finally {
  await stopServices(names, where);
}
