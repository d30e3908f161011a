import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedPlugin, PluginRuntime } from '../../src/sandbox/index.js';
import { tempDir, testRuntime } from './helpers/fixtures.js';
import { packManifest, withCustomSection } from './helpers/wat.js';

// Debian's rustc with libstd-rust-dev-wasm32 (target wasm32-wasi).
const RUSTC = process.env.WASMAP_RUSTC ?? '/usr/bin/rustc';
const here = dirname(fileURLToPath(import.meta.url));

describe('a Rust std plugin built for wasm32-wasi', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    const out = join(tempDir('rust'), 'probe.wasm');
    execFileSync(RUSTC, ['--edition', '2021', '--crate-type', 'cdylib', '--target', 'wasm32-wasi', '-O', '-C', 'strip=debuginfo', join(here, 'rust', 'wasi-probe.rs'), '-o', out]);
    const wasm = withCustomSection(readFileSync(out), 'wasmap.manifest', packManifest({ abi: 1, name: 'rust-wasi-probe', version: '0.1.0', kind: 'evaluator' }));
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(wasm);
  });
  afterAll(() => rt.close());

  it('links against the deny-by-default WASI: stdout and clock work, environment and files do not', async () => {
    expect(plugin.imports.every((i) => i.startsWith('wasi_snapshot_preview1.'))).toBe(true);
    const r = await rt.invoke(plugin, { context: { k: 'v' } });
    expect(r.error).toBeUndefined();
    expect(r.data).toBe('true 0 false');
    expect(r.logs).toEqual([{ level: 1, message: expect.stringMatching(/^input \d+ bytes$/) }]);
  });
});
