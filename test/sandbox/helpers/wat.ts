import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack } from 'msgpackr';

/**
 * Builds the hand-written WAT corpus: `wat2wasm` (Debian package wabt), then
 * a `wasmap.manifest` custom section appended from the JSON on the file's
 * `;; @manifest {...}` line (files without the line get no section).
 */
export const WAT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'wat');

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

/** Appends a custom section `name` holding `payload`. */
export function withCustomSection(wasm: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = Buffer.from(name, 'utf8');
  const body = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, payload]);
  return Buffer.concat([wasm, Buffer.from([0, ...leb(body.length)]), body]);
}

export function packManifest(manifest: unknown): Uint8Array {
  return pack(manifest);
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
