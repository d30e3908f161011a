/**
 * Builds a small plugin from inline source with either SDK, the way an
 * author's project would be laid out, for tests that check what an SDK
 * encodes through the real runtime.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlugin as buildRust } from '../../../src/authoring/build.js';
import { packManifest } from '../../../src/authoring/pack.js';
import { readPluginToml } from '../../../src/authoring/plugin-toml.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin as buildAs } from '../../../sdk/assemblyscript/scripts/build.mjs';
import { tempDir } from './fixtures.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * `manifest(lang, entry)` gives the plugin.toml text (its [build] section
 * must name both). Returns the built .wasm bytes.
 */
export async function buildInlineAs(name: string, manifest: (lang: string, entry: string) => string, source: string): Promise<Uint8Array> {
  const dir = tempDir(`${name}-as`);
  mkdirSync(join(dir, 'assembly'));
  writeFileSync(join(dir, 'plugin.toml'), manifest('assemblyscript', 'assembly/index.ts'));
  writeFileSync(join(dir, 'assembly', 'index.ts'), source);
  const { wasm } = (await buildAs(dir, { readPluginToml, packManifest, outFile: join(tempDir(`${name}-as-out`), `${name}.wasm`) })) as { wasm: Uint8Array };
  return wasm;
}

/**
 * A cdylib crate on the repo's Rust SDK for wasm32-unknown-unknown, plus
 * `deps` (Cargo.toml dependency lines). Returns the built .wasm path.
 */
export async function buildInlineRust(name: string, manifest: (lang: string, entry: string) => string, source: string, deps: string[] = []): Promise<string> {
  const dir = tempDir(`${name}-rust`);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'plugin.toml'), manifest('rust', 'src/lib.rs').replace('[build]\n', '[build]\ntarget = "wasm32-unknown-unknown"\n'));
  writeFileSync(join(dir, 'Cargo.toml'), `[package]
name = "${name}"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
wasmap-sdk = { path = ${JSON.stringify(join(repo, 'sdk', 'rust'))} }
serde = { version = "1", features = ["derive"] }
${deps.join('\n')}

[profile.release]
opt-level = "s"
panic = "abort"
strip = true
`);
  // no Cargo.lock: cargo resolves offline against Debian's registry (the build's source replacement)
  writeFileSync(join(dir, 'src', 'lib.rs'), source);
  // one cargo target dir for every test that builds Rust: dependencies compile once
  const env = { ...process.env, CARGO_TARGET_DIR: join(tmpdir(), 'wasmap-test-cargo') };
  const built = await buildRust(dir, { env, output: join(tempDir(`${name}-rust-out`), `${name}.wasm`) });
  return built.path;
}
