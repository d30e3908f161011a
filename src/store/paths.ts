/**
 * Where the plugin store lives (XDG base directories): the user's store is
 * read-write; system stores (WASMAP_PLUGIN_PATH, else /usr/local/share) are
 * read-only here, laid out the same way by a packager or an administrator.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StorePaths {
  /** $XDG_DATA_HOME/wasmap/plugins */
  userDir: string;
  /** searched after the user's store; a user install of the same name wins */
  systemDirs: string[];
  /** $XDG_CONFIG_HOME/wasmap/config.toml */
  configFile: string;
}

export const DEFAULT_SYSTEM_DIR = '/usr/local/share/wasmap/plugins';

/** XDG says a relative value is invalid and must be ignored. */
function xdg(value: string | undefined, fallback: string): string {
  return value && value.startsWith('/') ? value : fallback;
}

export function storePaths(env: NodeJS.ProcessEnv = process.env): StorePaths {
  const home = env.HOME || homedir();
  const systemDirs = env.WASMAP_PLUGIN_PATH !== undefined ? env.WASMAP_PLUGIN_PATH.split(':').filter((d) => d.startsWith('/')) : [DEFAULT_SYSTEM_DIR];
  return {
    userDir: join(xdg(env.XDG_DATA_HOME, join(home, '.local/share')), 'wasmap/plugins'),
    systemDirs,
    configFile: join(xdg(env.XDG_CONFIG_HOME, join(home, '.config')), 'wasmap/config.toml'),
  };
}

/** The content-addressed file of a plugin: STORE/blobs/<sha256>.wasm */
export function blobFile(storeDir: string, sha256: string): string {
  return join(storeDir, 'blobs', `${sha256}.wasm`);
}

/** Its signature, kept beside it so `plugin verify` can check it again. */
export function signatureFile(storeDir: string, sha256: string): string {
  return `${blobFile(storeDir, sha256)}.minisig`;
}

export function lockFile(storeDir: string): string {
  return join(storeDir, 'plugins.lock');
}
