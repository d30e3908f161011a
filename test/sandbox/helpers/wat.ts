import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendCustomSection, encodeManifest } from '../../../src/authoring/pack.js';

/**
 * Builds the hand-written WAT corpus: `wat2wasm` (Debian package wabt), then
 * a `wasmap.manifest` custom section appended from the JSON on the file's
 * `;; @manifest {...}` line (files without the line get no section).
 */
export const WAT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'wat');

/** Appends a custom section `name` holding `payload` (raw, so tests can build malformed ones). */
export const withCustomSection = appendCustomSection;

export function packManifest(manifest: unknown): Uint8Array {
  return encodeManifest(manifest as Record<string, unknown>);
}

let outDir: string | undefined;

/** Compiles `test/sandbox/wat/<name>.wat` (with its manifest) and returns the bytes. */
export function compileWat(name: string, manifestOverride?: unknown): Uint8Array {
  outDir ??= mkdtempSync(join(tmpdir(), 'wasmap-wat-'));
  const src = join(WAT_DIR, `${name}.wat`);
  const out = join(outDir, `${name}.wasm`);
  execFileSync('wat2wasm', [src, '-o', out]);
  const wasm = readFileSync(out);
  let manifest = manifestOverride;
  if (manifest === undefined) {
    const line = readFileSync(src, 'utf8').split('\n').find((l) => l.startsWith(';; @manifest '));
    if (!line) return wasm;
    manifest = JSON.parse(line.slice(';; @manifest '.length));
  }
  return withCustomSection(wasm, 'wasmap.manifest', packManifest(manifest));
}

export function watNames(): string[] {
  return readdirSync(WAT_DIR).filter((f) => f.endsWith('.wat')).map((f) => f.slice(0, -4));
}
