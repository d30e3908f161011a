#!/usr/bin/env node
// Plugin runtime benchmarks (wasmap sandbox). Plain node on the compiled
// runtime: `npx tsc -p tsconfig.json` then `node bench/plugins/run.mjs`
// (or WASMAP_DIST=/path/to/dist/sandbox/index.js). Needs wat2wasm (wabt).
//   (a) trivial detection invocations/s with instance reuse, vs the same logic in TypeScript
//   (b) 1,000 and 5,000 concurrent sessions waiting in recv on a loopback server: time, peak RSS
//   (c) first load (Asyncify transform) vs cached load
// Options: --only a,b,c   --sessions 1000,5000   --invocations 200000
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pack } from 'msgpackr';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..');
const distIndex = process.env.WASMAP_DIST ?? join(repo, 'dist', 'sandbox', 'index.js');
const { PluginRuntime, loadPlugin } = await import(pathToFileURL(distIndex).href);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const only = new Set(opt('only', 'a,b,c').split(','));
const sessionCounts = opt('sessions', '1000,5000').split(',').map(Number);
const invocations = Number(opt('invocations', '200000'));
const workers = Number(opt('workers', String(availableParallelism())));

const tmp = mkdtempSync(join(tmpdir(), 'wasmap-bench-'));
const leb = (n) => { const o = []; do { let b = n & 127; n >>>= 7; if (n) b |= 128; o.push(b); } while (n); return o; };
/** Compiles a corpus WAT and appends its `;; @manifest` as the wasmap.manifest section. */
function plugin(name) {
  const src = join(repo, 'test', 'sandbox', 'wat', `${name}.wat`);
  const out = join(tmp, `${name}.wasm`);
  execFileSync('wat2wasm', [src, '-o', out]);
  const line = readFileSync(src, 'utf8').split('\n').find((l) => l.startsWith(';; @manifest '));
  const payload = pack(JSON.parse(line.slice(';; @manifest '.length)));
  const nameBytes = Buffer.from('wasmap.manifest');
  const body = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, payload]);
  return Buffer.concat([readFileSync(out), Buffer.from([0, ...leb(body.length)]), body]);
}

const rows = [];
const row = (bench, metric, value, note = '') => rows.push({ bench, metric, value, note });
const mb = (b) => (b / 1048576).toFixed(0);

// (a) throughput of a trivial detection plugin
if (only.has('a')) {
  const rt = new PluginRuntime({ workers, cacheDir: join(tmp, 'cache') });
  const p = await rt.load(plugin('banner-match'));
  const input = { target: { ip: '127.0.0.1', port: 22, transport: 'tcp' }, context: { banner: Buffer.from('SSH-2.0-OpenSSH_9.6\r\n') } };
  const window = 4096; // invocations in flight at once
  const run = async (n) => {
    let done = 0, next = 0, ok = 0;
    await new Promise((resolve) => {
      const pump = () => {
        while (next < n && next - done < window) {
          next++;
          rt.invoke(p, input).then((r) => { if (r.service?.name === 'ssh') ok++; if (++done === n) resolve(); else pump(); });
        }
      };
      pump();
    });
    return ok;
  };
  await run(20000); // warm up: instances, JIT
  const t0 = performance.now();
  const cpu0 = process.cpuUsage(); // all threads of the process: main + workers
  const ok = await run(invocations);
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const rate = invocations / secs;
  if (ok !== invocations) throw new Error(`only ${ok}/${invocations} invocations matched`);
  // The same logic in TypeScript, in process: find "SSH-" in the banner.
  const ts = (inp) => (Buffer.from(inp.context.banner).indexOf('SSH-') >= 0 ? { status: 'success', service: { name: 'ssh' } } : undefined);
  let hits = 0;
  const tt0 = performance.now();
  for (let i = 0; i < invocations; i++) if (ts(input)) hits++;
  const tsRate = invocations / ((performance.now() - tt0) / 1000);
  row('a', 'trivial wasm invocations/s (all workers)', Math.round(rate), `${workers} workers, ${window} in flight, instance reuse`);
  row('a', 'trivial wasm invocations/s per worker', Math.round(rate / workers), 'wall clock; shares the cores with the main thread');
  row('a', 'trivial wasm invocations per CPU-second', Math.round(invocations / cpuSecs), 'main + workers CPU time; target >= 50,000 per core');
  row('a', 'same logic in TypeScript, calls/s', Math.round(tsRate), `${hits} hits, in process, no isolation`);
  row('a', 'overhead ratio (TS rate / wasm rate)', (tsRate / rate).toFixed(1), 'includes msgpack in/out + thread hop');
  await rt.close();
}

// (b) many sessions suspended in recv at once
if (only.has('b')) {
  for (const n of sessionCounts) {
    const server = fork(join(here, 'hold-server.mjs'), [String(n)], { stdio: 'inherit' });
    const port = await new Promise((r) => server.once('message', (m) => r(m.port)));
    const allHeld = new Promise((r) => server.on('message', (m) => m.allHeld && r()));
    const rt = new PluginRuntime({ workers, cacheDir: join(tmp, 'cache'), limits: { wall_ms: 120000, connections: 4 } });
    const p = await rt.load(plugin('echo-line'));
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 25);
    const t0 = performance.now();
    const target = { ip: '127.0.0.1', port, transport: 'tcp' };
    const all = Promise.all(Array.from({ length: n }, () => rt.invoke(p, { target })));
    await allHeld;
    const tHeld = performance.now() - t0;
    peak = Math.max(peak, process.memoryUsage().rss);
    const results = await all;
    const total = performance.now() - t0;
    clearInterval(sampler);
    const good = results.filter((r) => r.status === 'success' && Buffer.from(r.provides.reply ?? []).toString() === 'RELEASED\n').length;
    row('b', `${n} sessions: all suspended in recv after`, `${tHeld.toFixed(0)} ms`, `${workers} workers`);
    row('b', `${n} sessions: all completed after`, `${total.toFixed(0)} ms`, `${good}/${n} got the reply`);
    row('b', `${n} sessions: peak RSS`, `${mb(peak)} MiB`, `start ${mb(rss0)} MiB; ${((peak - rss0) / n / 1024).toFixed(0)} KiB/session; target < 1024 MiB`);
    await rt.close();
    server.send('stop');
  }
}

// (c) first load (Asyncify) vs cached load
if (only.has('c')) {
  const bytes = plugin('echo-line');
  const cacheDir = join(tmp, 'cache-c');
  let t0 = performance.now();
  await loadPlugin(bytes, { cacheDir });
  const first = performance.now() - t0;
  t0 = performance.now();
  const N = 20;
  for (let i = 0; i < N; i++) await loadPlugin(bytes, { cacheDir });
  const cached = (performance.now() - t0) / N;
  t0 = performance.now();
  await loadPlugin(plugin('banner-match'), { cacheDir });
  const plain = performance.now() - t0;
  row('c', 'first load, Asyncify transform (echo-line.wat)', `${first.toFixed(1)} ms`, 'includes loading binaryen.js once');
  row('c', 'cached load (same plugin)', `${cached.toFixed(2)} ms`, `mean of ${N}`);
  row('c', 'load of a plugin that needs no transform', `${plain.toFixed(2)} ms`, 'banner-match.wat');
}

rmSync(tmp, { recursive: true, force: true });
const w = [5, 48, 14];
console.log(['bench', 'metric', 'value'].map((h, i) => h.padEnd(w[i])).join(' | ') + ' | note');
console.log(w.map((n) => '-'.repeat(n)).join('-|-') + '-|-----');
for (const r of rows) console.log([r.bench, r.metric, String(r.value)].map((v, i) => v.padEnd(w[i])).join(' | ') + ` | ${r.note}`);
process.exit(0);
