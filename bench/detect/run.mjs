#!/usr/bin/env node
// bench/detect: the real services the test setup starts, identified by
// `wasmap scan` (its default profile: service-simple + the protocol plugins +
// the misconfig evaluator) and by `nmap -sV`
// on the same ports in the same run. Prints a table per port (ours vs nmap:
// name, product, version) and the time ratio. Loopback only.
// Usage: node bench/detect/run.mjs [--rounds N]
import { startServices, stopServices, SERVICE_NAMES } from '../../test/support/services.mjs';
import { builtCli, median, option, requireNmap, timedRun as run } from '../common.mjs';

const rounds = Number(option('--rounds', '3'));
const cli = builtCli('detect');
requireNmap('detect');

/** port -> {name, product, version} from our JSONL: service-simple first, a protocol plugin's service where it says more. */
function ours(jsonl) {
  const byPort = new Map();
  for (const line of jsonl.split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    const svc = e.result?.service;
    if (!svc?.name) continue;
    const have = byPort.get(e.target.port);
    const score = (s) => (s.name ? 1 : 0) + (s.product ? 1 : 0) + (s.version ? 1 : 0);
    if (!have || (e.origin.type === 'service-simple' && score(svc) >= score(have)) || score(svc) > score(have)) byPort.set(e.target.port, svc);
  }
  return byPort;
}

/** port -> {name, product, version} from nmap's XML. */
function theirs(xml) {
  const byPort = new Map();
  for (const m of xml.matchAll(/<port protocol="tcp" portid="(\d+)">([\s\S]*?)<\/port>/g)) {
    const svc = /<service ([^>]*)\/?>/.exec(m[2]);
    if (!svc) continue;
    const attr = (k) => new RegExp(`${k}="([^"]*)"`).exec(svc[1])?.[1];
    byPort.set(Number(m[1]), { name: attr('name'), product: attr('product'), version: attr('version') });
  }
  return byPort;
}

const services = await startServices([...SERVICE_NAMES]);
try {
  const ports = services.map((s) => s.port).sort((a, b) => a - b).join(',');
  const w = [];
  const n = [];
  let lastOurs;
  let lastTheirs;
  for (let r = 0; r < rounds; r++) {
    for (const who of r % 2 === 0 ? ['w', 'n'] : ['n', 'w']) {
      if (who === 'w') {
        const res = await run(process.execPath, [cli, 'scan', '127.0.0.1', '-p', ports, '-Pn', '-f', 'jsonl', '-q']);
        w.push(res.ms);
        lastOurs = ours(res.out);
      } else {
        const res = await run('nmap', ['-sV', '-Pn', '-n', '-p', ports, '-oX', '-', '127.0.0.1']);
        n.push(res.ms);
        lastTheirs = theirs(res.out);
      }
    }
  }
  const cell = (s) => (s ? [s.name, s.product, s.version].filter(Boolean).join(' / ') : '-');
  console.log(`bench/detect: ${services.length} real services on 127.0.0.1, ${rounds} rounds, alternating`);
  console.log(`  ${'port'.padEnd(6)} ${'service'.padEnd(10)} ${'wasmap'.padEnd(40)} nmap`);
  let named = 0;
  let namedByUs = 0;
  for (const s of [...services].sort((a, b) => a.port - b.port)) {
    const o = lastOurs.get(s.port);
    const t = lastTheirs.get(s.port);
    if (t?.name && t.name !== 'unknown') {
      named++;
      if (o?.name) namedByUs++;
    }
    console.log(`  ${String(s.port).padEnd(6)} ${s.name.padEnd(10)} ${cell(o).slice(0, 40).padEnd(40)} ${cell(t)}`);
  }
  const mw = median(w);
  const mn = median(n);
  console.log(`  services nmap names: ${named}; of those named by wasmap too: ${namedByUs}`);
  console.log(`  wasmap median ${mw.toFixed(0)} ms (${w.map((x) => x.toFixed(0)).join(' ')}), nmap median ${mn.toFixed(0)} ms (${n.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`  time ratio wasmap/nmap = ${(mw / mn).toFixed(2)}  (goal <= 0.5)`);
} finally {
  await stopServices([...SERVICE_NAMES]);
}
