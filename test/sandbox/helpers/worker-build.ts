import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Tests import the sandbox from its .ts sources, but worker threads run
 * plain Node, which cannot load .ts. This transpiles src/ (the sandbox and the
 * layers it imports; no type check, tsc does that) into a temp dir keyed by the
 * sources' hash and returns the worker entry to pass as `workerScript`.
 */
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function sources(): string[] {
  const out: string[] = [join(repo, 'src', 'errors.ts')];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  // every layer the sandbox may import from (model/, targets/, …), not only src/sandbox
  for (const layer of readdirSync(join(repo, 'src'), { withFileTypes: true })) if (layer.isDirectory()) walk(join(repo, 'src', layer.name));
  return out.sort();
}

export function buildWorker(): string {
  const files = sources();
  files.push(join(repo, 'src', 'worker-url.ts'));
  files.sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update(readFileSync(f));
  const dir = join(tmpdir(), `wasmap-sandbox-worker-${h.digest('hex').slice(0, 16)}`);
  const entry = join(dir, 'src', 'sandbox', 'worker.js');
  if (existsSync(entry)) return entry;
  const staging = `${dir}.${process.pid}.tmp`;
  for (const f of files) {
    const out = ts.transpileModule(readFileSync(f, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: f,
    }).outputText;
    const dest = join(staging, relative(repo, f)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, out);
  }
  writeFileSync(join(staging, 'package.json'), '{"type":"module"}');
  symlinkSync(join(repo, 'node_modules'), join(staging, 'node_modules'));
  try {
    renameSync(staging, dir);
  } catch {
    /* another test file won the race: same content */
  }
  return entry;
}
