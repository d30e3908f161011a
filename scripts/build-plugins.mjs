// Builds every first-party plugin (plugins-wasm/<name>/) into dist/plugins/<name>.wasm,
// the folder `--plugin-dir dist/plugins` runs, and the npm package ships. Each build is
// validated by the runtime's loader (which also warms the Asyncify cache).
// A plugin whose [build] compiles another plugin's source with the same settings
// (https: http's assembly/ with its own manifest) is not compiled again: that
// plugin's wasm gets this one's manifest (`wasmap plugin pack`).
// Usage: node scripts/build-plugins.mjs [name...]   (after tsc)
import { readdirSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'plugins-wasm');
const out = join(root, 'dist', 'plugins');
const { buildPlugin } = await import(join(root, 'dist', 'authoring', 'build.js'));
const { packFile } = await import(join(root, 'dist', 'authoring', 'pack-file.js'));
const { readPluginToml } = await import(join(root, 'dist', 'authoring', 'plugin-toml.js'));

const wanted = process.argv.slice(2);
const all = existsSync(src) ? readdirSync(src).filter((n) => existsSync(join(src, n, 'plugin.toml'))).sort() : [];

/** What the compiler sees: the same key means the same wasm. */
async function compileKey(name) {
  const { build } = await readPluginToml(join(src, name, 'plugin.toml'));
  const { entry = 'assembly/index.ts', ...rest } = build;
  return JSON.stringify({ ...rest, entry: resolve(src, name, String(entry)) });
}

// name → the plugin whose wasm it reuses (the one whose own folder holds the entry)
const reuses = new Map();
const keys = new Map(await Promise.all(all.map(async (n) => [n, await compileKey(n)])));
for (const n of all) {
  const owner = all.find((o) => o !== n && keys.get(o) === keys.get(n) && JSON.parse(keys.get(o)).entry.startsWith(join(src, o) + '/'));
  if (owner && !JSON.parse(keys.get(n)).entry.startsWith(join(src, n) + '/')) reuses.set(n, owner);
}
const names = all.filter((n) => wanted.length === 0 || wanted.includes(n) || [...reuses].some(([r, o]) => o === n && wanted.includes(r)));
mkdirSync(out, { recursive: true });

let failed = 0;
const built = new Set();
const report = (name, r, t0) =>
  console.log(`plugins: ${name} ${(r.size / 1024).toFixed(1)} KiB ${r.sha256.slice(0, 12)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

const queue = names.filter((n) => !reuses.has(n));
// two at a time: compilers are single-threaded and the machine has two cores
await Promise.all([0, 1].map(async () => {
  for (let name = queue.shift(); name; name = queue.shift()) {
    const t0 = performance.now();
    try {
      report(name, await buildPlugin(join(src, name), { output: join(out, `${name}.wasm`) }), t0);
      built.add(name);
    } catch (e) {
      failed++;
      console.error(`plugins: ${name} FAILED: ${e instanceof Error ? e.message : e}`);
    }
  }
}));
for (const name of names.filter((n) => reuses.has(n))) {
  const owner = reuses.get(name);
  const t0 = performance.now();
  try {
    if (!built.has(owner)) throw new Error(`${owner}, whose build it reuses, failed`);
    report(`${name} (${owner}'s wasm)`, await packFile(join(out, `${owner}.wasm`), join(src, name, 'plugin.toml'), join(out, `${name}.wasm`)), t0);
  } catch (e) {
    failed++;
    console.error(`plugins: ${name} FAILED: ${e instanceof Error ? e.message : e}`);
  }
}
if (failed) process.exit(1);
