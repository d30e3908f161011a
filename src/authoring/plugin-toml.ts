/**
 * `plugin.toml`, the source of a plugin's manifest (ProRT-IP style), read into
 * the ABI §2 manifest map. Shape errors name the file and key; the full
 * validation (names, kinds, capabilities, schema) is the loader's, which runs
 * on the packed plugin.
 *
 *   name = "redis-info"            kind = "scanner"       version = "0.1.0"
 *   capabilities = ["network"]     [match] ports = [6379]
 *   [config.timeout_ms] type = "int"  default = 3000
 */
import { readFile } from 'node:fs/promises';
import { parse, TomlError } from 'smol-toml';
import { UsageError } from '../errors.js';

const TOP_KEYS = new Set(['abi', 'name', 'version', 'kind', 'description', 'author', 'license', 'capabilities', 'requires', 'provides', 'match', 'config', 'limits', 'build']);

export interface PluginToml {
  /** the manifest map to embed (ABI §2) */
  manifest: Record<string, unknown>;
  /** `[build]` table: how `wasmap plugin build` compiles it (not embedded) */
  build: Record<string, unknown>;
}

export function parsePluginToml(text: string, file: string): PluginToml {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    const where = e instanceof TomlError ? `:${e.line}` : '';
    throw new UsageError(`${file}${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const k of Object.keys(doc)) {
    if (!TOP_KEYS.has(k)) throw new UsageError(`${file}: unknown key '${k}' (known: ${[...TOP_KEYS].join(', ')})`);
  }
  for (const k of ['name', 'version', 'kind']) {
    if (typeof doc[k] !== 'string') throw new UsageError(`${file}: '${k}' is required and must be a string`);
  }
  const { build, ...rest } = doc;
  const manifest: Record<string, unknown> = {
    abi: 1,
    capabilities: [],
    requires: [],
    provides: [],
    match: {},
    config: {},
    ...rest,
  };
  // TOML dates would not survive msgpack as the ABI wants; refuse them early.
  const bad = findDate(manifest, '');
  if (bad) throw new UsageError(`${file}: '${bad}' is a TOML date; write it as a string`);
  return { manifest, build: (build as Record<string, unknown> | undefined) ?? {} };
}

function findDate(v: unknown, path: string): string | undefined {
  if (v instanceof Date) return path;
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const hit = findDate(x, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return undefined;
}

export async function readPluginToml(path: string): Promise<PluginToml> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parsePluginToml(text, path);
}
