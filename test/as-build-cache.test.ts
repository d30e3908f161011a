import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packManifest } from '../src/authoring/pack.js';
import { readPluginToml } from '../src/authoring/plugin-toml.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../sdk/assemblyscript/scripts/build.mjs';

/**
 * AssemblyScript builds are cached by the hash of what makes them, so the
 * suite and `npm run build` never compile the same sources twice — and a
 * change anywhere the plugin imports from, even outside its folder (a test
 * harness imports its plugin's parser), compiles again.
 */
describe('the AssemblyScript build cache', () => {
  it('reuses a build for the same sources and rebuilds when an imported file outside the folder changes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wasmap-ascache-'));
    const cache = join(root, 'cache');
    const shared = join(root, 'shared');
    const plugin = join(root, 'plugin');
    mkdirSync(shared);
    mkdirSync(join(plugin, 'assembly'), { recursive: true });
    writeFileSync(join(shared, 'answer.ts'), 'export const ANSWER: i32 = 41;\n');
    writeFileSync(join(plugin, 'plugin.toml'), 'name = "cached"\nversion = "0.1.0"\nkind = "detection"\n\n[build]\nlang = "assemblyscript"\nentry = "assembly/index.ts"\n');
    writeFileSync(join(plugin, 'assembly', 'index.ts'), [
      'import { Input, Output, register } from "@wasmap/sdk-assemblyscript";',
      'export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";',
      'import { ANSWER } from "../../shared/answer";',
      'register((_input: Input): Output => { const o = new Output(); o.summary = ANSWER.toString(); return o; });',
      '',
    ].join('\n'));
    const before = process.env.WASMAP_BUILD_CACHE;
    process.env.WASMAP_BUILD_CACHE = cache;
    try {
      const build = async (): Promise<Uint8Array> => ((await buildPlugin(plugin, { readPluginToml, packManifest, outFile: join(root, 'out.wasm') })) as { wasm: Uint8Array }).wasm;
      const first = await build();
      expect(readdirSync(cache)).toHaveLength(1);
      expect(Buffer.from(await build()).equals(Buffer.from(first))).toBe(true);
      expect(readdirSync(cache)).toHaveLength(1); // the same sources: no second entry
      writeFileSync(join(shared, 'answer.ts'), 'export const ANSWER: i32 = 42;\n');
      const changed = await build();
      expect(readdirSync(cache)).toHaveLength(2);
      expect(Buffer.from(changed).equals(Buffer.from(first))).toBe(false);
    } finally {
      if (before === undefined) delete process.env.WASMAP_BUILD_CACHE;
      else process.env.WASMAP_BUILD_CACHE = before;
    }
  }, 120_000);
});
