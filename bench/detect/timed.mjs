// Runs a command under GNU time: wall seconds and the CPU seconds of it and
// every child it waited for (nmap, node with its worker threads, a browser).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIME = '/usr/bin/time';

/** Exit 2 unless GNU time runs. @param {string} bench */
export function requireGnuTime(bench) {
  if (spawnSync(TIME, ['-f', '%U', 'true']).status !== 0) {
    console.error(`bench/${bench}: GNU time is not installed (apt-get install -y time)`);
    process.exit(2);
  }
}

/**
 * @param {string} cmd @param {string[]} argv
 * @returns {Promise<{wall_s: number, cpu_s: number, out: string}>} rejects unless it exits 0
 */
export function timedCpu(cmd, argv) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-bench-'));
  const file = join(dir, 'time');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(TIME, ['-f', '%U %S', '-o', file, cmd, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall_s = (performance.now() - t0) / 1000;
      try {
        if (code !== 0) throw new Error(`${cmd} exited ${code}: ${err.slice(0, 400)}`);
        const [user, sys] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
        resolve({ wall_s, cpu_s: user + sys, out });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
