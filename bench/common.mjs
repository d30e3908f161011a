// What the bench scripts share: the built CLI, the peer they need, a timed
// child process, the option reader and the median.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dist/cli/main.js, or exit 2 with the step that is missing. */
export function builtCli(bench) {
  const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  if (!existsSync(cli)) {
    console.error(`bench/${bench}: build first (npm run build)`);
    process.exit(2);
  }
  return cli;
}

/** Exit 2 unless nmap (the peer) runs. */
export function requireNmap(bench) {
  if (spawnSync('nmap', ['--version']).status !== 0) {
    console.error(`bench/${bench}: nmap is not installed (apt-get install -y nmap)`);
    process.exit(2);
  }
}

/** `--name VALUE` from argv, or `fallback`. */
export function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** Runs `cmd argv`, resolves {ms, out} on exit 0; stderr goes into the error otherwise. */
export function timedRun(cmd, argv) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ ms: performance.now() - t0, out }) : reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 300)}`))));
  });
}

/** The median (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
