/**
 * Which compilers `wasmap plugin build` runs. Rust uses Debian's toolchain
 * when present (rustup's may lack the wasm targets) and, when Debian's crate
 * registry is installed, builds offline from it; WASMAP_CARGO / WASMAP_RUSTC
 * override both choices.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEBIAN_REGISTRY = '/usr/share/cargo/registry';

/**
 * The root of the running wasmap: this checkout, or the installed package
 * (`npm install -g wasmap` puts `dist/` and `sdk/` side by side there). Same
 * depth from src/ and dist/.
 */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');
}

/** `sdk/` of the running wasmap (package.json `files` ships it). */
export function sdkDir(): string {
  return join(packageRoot(), 'sdk');
}

export interface RustToolchain {
  cargo: string;
  /** RUSTC for cargo, when one is chosen (else cargo's own default). */
  rustc?: string;
  /** `--config` flags replacing crates.io with Debian's registry, offline. */
  offlineFlags: string[];
}

export function rustToolchain(env: NodeJS.ProcessEnv = process.env, pluginDir?: string): RustToolchain {
  const cargo = env.WASMAP_CARGO ?? (existsSync('/usr/bin/cargo') ? '/usr/bin/cargo' : 'cargo');
  const rustc = env.WASMAP_RUSTC ?? (existsSync('/usr/bin/rustc') ? '/usr/bin/rustc' : undefined);
  // A plugin that brings its own .cargo/config.toml decides its sources itself.
  const ownConfig = pluginDir !== undefined && existsSync(join(pluginDir, '.cargo', 'config.toml'));
  const offlineFlags =
    existsSync(DEBIAN_REGISTRY) && !ownConfig && env.WASMAP_CARGO_ONLINE !== '1'
      ? ['--offline', '--config', 'source.crates-io.replace-with="debian"', '--config', `source.debian.directory="${DEBIAN_REGISTRY}"`]
      : [];
  return { cargo, ...(rustc ? { rustc } : {}), offlineFlags };
}

/** The AssemblyScript compiler: the plugin's own, else the one wasmap depends on. */
export function ascScript(pluginDir: string): string | undefined {
  const local = join(pluginDir, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  if (existsSync(local)) return local;
  try {
    const req = createRequire(import.meta.url);
    return join(dirname(req.resolve('assemblyscript/package.json')), 'bin', 'asc.js');
  } catch {
    return undefined;
  }
}
