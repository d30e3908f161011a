// Builds every first-party plugin (plugins-wasm/<name>/) into dist/plugins/<name>.wasm,
// the folder `--plugin-dir dist/plugins` runs, and the npm package ships. Each build is
// validated by the runtime's loader (which also warms the Asyncify cache).
// Usage: node scripts/build-plugins.mjs [name...]   (after tsc)
import { readdirSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'plugins-wasm');
const out = join(root, 'dist', 'plugins');
const { buildPlugin } = await import(join(root, 'dist', 'authoring', 'build.js'));

const wanted = process.argv.slice(2);
const names = existsSync(src)
  ? readdirSync(src).filter((n) => existsSync(join(src, n, 'plugin.toml')) && (wanted.length === 0 || wanted.includes(n))).sort()
  : [];
mkdirSync(out, { recursive: true });

let failed = 0;
const queue = [...names];
// two at a time: compilers are single-threaded and the machine has two cores
await Promise.all([0, 1].map(async () => {
  for (let name = queue.shift(); name; name = queue.shift()) {
    const t0 = performance.now();
    try {
      const r = await buildPlugin(join(src, name), { output: join(out, `${name}.wasm`) });
      console.log(`plugins: ${name} ${(r.size / 1024).toFixed(1)} KiB ${r.sha256.slice(0, 12)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.error(`plugins: ${name} FAILED: ${e instanceof Error ? e.message : e}`);
    }
  }
}));
if (failed) process.exit(1);
