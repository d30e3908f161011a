#!/usr/bin/env node
// Start/stop the test daemons by hand, from CI or from bench scripts:
//   node test/support/services-cli.mjs start|stop|status|ports [names...]
// Lines printed: `name host:port pid` (status adds the RSS of the process tree).
// Environment: WASMAP_RUN_DIR overrides the run directory.

import {
  SERVICE_HOST, SERVICE_NAMES, SERVICE_PORTS, DEFAULT_RUN_DIR,
  missingPackages, processTreeRssKib, runningServices, startServices, stopServices,
} from './services.mjs';

const USAGE = `usage: node test/support/services-cli.mjs start|stop|status|ports [names...]
services: ${SERVICE_NAMES.join(' ')}`;

const [command, ...args] = process.argv.slice(2);
const names = args.length ? args : [...SERVICE_NAMES];
const runDir = process.env.WASMAP_RUN_DIR ?? DEFAULT_RUN_DIR;

/** @param {string} msg */
function fail(msg) {
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}

const unknown = names.filter((n) => !SERVICE_NAMES.includes(n));
if (unknown.length) fail(`unknown service(s): ${unknown.join(' ')}\n${USAGE}`);

switch (command) {
  case 'start': {
    const missing = missingPackages(names);
    if (missing.length) fail(`missing Debian packages: ${missing.join(' ')}\n  apt-get install -y ${missing.join(' ')}`);
    const t0 = Date.now();
    try {
      // pinned: the CLI process exits at once, the daemons must outlive it
      const started = await startServices(names, { runDir, pin: true });
      for (const s of started) console.log(`${s.name} ${s.host}:${s.port} ${s.pid}`);
      process.stderr.write(`${started.length} service(s) up in ${Date.now() - t0} ms (run dir ${runDir})\n`);
    } catch (e) {
      fail(/** @type {Error} */ (e).message);
    }
    break;
  }
  case 'stop': {
    const stopped = await stopServices(args.length ? names : undefined, { runDir, force: true });
    process.stderr.write(`stopped: ${stopped.join(' ') || '(nothing running)'}\n`);
    break;
  }
  case 'status': {
    const running = new Map(runningServices(names, { runDir }).map((s) => [s.name, s]));
    let totalKib = 0;
    for (const n of names) {
      const s = running.get(n);
      if (!s) {
        console.log(`${n} ${SERVICE_HOST}:${SERVICE_PORTS[/** @type {keyof typeof SERVICE_PORTS} */ (n)]} stopped`);
        continue;
      }
      const kib = processTreeRssKib(s.pid);
      totalKib += kib;
      console.log(`${s.name} ${s.host}:${s.port} ${s.pid} rss=${(kib / 1024).toFixed(1)}MiB`);
    }
    process.stderr.write(`${running.size}/${names.length} running, total RSS ${(totalKib / 1024).toFixed(1)} MiB\n`);
    break;
  }
  case 'ports':
    for (const n of names) console.log(`${n} ${SERVICE_HOST}:${SERVICE_PORTS[/** @type {keyof typeof SERVICE_PORTS} */ (n)]}`);
    break;
  default:
    fail(USAGE);
}
