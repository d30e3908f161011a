/** `wasmap plugin pack`: file in, plugin.toml, validated plugin out. */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { loadPlugin } from '../sandbox/plugin.js';
import { packManifest } from './pack.js';
import { readPluginToml } from './plugin-toml.js';

export interface PackResult {
  path: string;
  sha256: string;
  size: number;
}

export async function packFile(input: string, toml: string, output: string): Promise<PackResult> {
  const wasm = await readFile(input).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read '${input}': ${e.code ?? e.message}`);
  });
  const { manifest } = await readPluginToml(toml);
  const bytes = packManifest(new Uint8Array(wasm), manifest);
  await loadPlugin(bytes); // refuse to write what the runtime would refuse
  await writeFile(output, bytes).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write '${output}': ${e.code ?? e.message}`);
  });
  return { path: output, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}
