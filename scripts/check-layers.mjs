#!/usr/bin/env node
// Fails when a file under src/ imports from a higher layer. The layers, from
// the ground up, are listed in LAYERS; a folder not listed is an error, so a
// new folder has to be placed on purpose. Imports are read with TypeScript's
// own pre-processor (no regexes over source text). Usage: node
// scripts/check-layers.mjs [SRC_DIR]; exit 1 with one line per upward import.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Ground first. Each entry is a folder or a file of src/; a layer may import its own and lower layers. */
export const LAYERS = [
  ['errors.ts', 'worker-url.ts'],
  ['signing'],
  ['targets'],
  ['model'],
  ['report'],
  ['net'],
  ['engine'],
  ['sandbox'],
  ['authoring'],
  ['store'],
  ['modules'],
  ['scan'],
  ['distributed'],
  ['index.ts', 'testing.ts'],
  ['cli'],
];

function layerOf(srcDir, file) {
  const top = relative(srcDir, file).split(sep)[0];
  const i = LAYERS.findIndex((l) => l.includes(top));
  return i < 0 ? undefined : { rank: i, name: top };
}

function sources(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.m?ts$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export function upwardImports(srcDir) {
  const problems = [];
  for (const file of sources(srcDir)) {
    const from = layerOf(srcDir, file);
    const rel = relative(srcDir, file);
    if (!from) { problems.push(`src/${rel}: its folder is in no layer (add it to LAYERS in scripts/check-layers.mjs)`); continue; }
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), fileName);
      if (!target.startsWith(srcDir + sep)) continue;
      const to = layerOf(srcDir, target);
      if (to && to.rank > from.rank) {
        problems.push(`src/${rel} imports ${fileName}: layer "${from.name}" may not import from the higher layer "${to.name}"`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const srcDir = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..', 'src'));
  const problems = upwardImports(srcDir);
  for (const p of problems) console.error(`layers: ${p}`);
  process.exit(problems.length ? 1 : 0);
}
