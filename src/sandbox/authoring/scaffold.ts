/**
 * `wasmap plugin new`: a plugin directory that builds and has a test, from
 * the templates in `sdk/rust/template/` (Rust: shared files plus
 * `kinds/<kind>.toml` → plugin.toml and `kinds/<kind>.rs` → src/lib.rs) or
 * `sdk/assemblyscript/template/<kind>/` (copied as is). `{{name}}`, `{{kind}}` and
 * `{{sdk_path}}` are substituted in every file.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { PluginKind } from '../types.js';
import { sdkDir } from './toolchain.js';

export const KINDS: readonly PluginKind[] = ['scanner', 'detection', 'evaluator', 'output'];
export type ScaffoldLang = 'rust' | 'as';

export interface ScaffoldOptions {
  name: string;
  lang: ScaffoldLang;
  kind?: PluginKind;
  /** Where to create it; default `./<name>`. Must not exist or be empty. */
  dir?: string;
  /** Templates root; default this package's `sdk/`. */
  sdk?: string;
}

export interface ScaffoldResult {
  dir: string;
  files: string[];
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;

async function walk(root: string, sub = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'target' && e.name !== 'build') out.push(...(await walk(root, rel)));
    } else out.push(rel);
  }
  return out;
}

function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
}

export async function scaffoldPlugin(opts: ScaffoldOptions): Promise<ScaffoldResult> {
  const { name, lang } = opts;
  const kind = opts.kind ?? 'scanner';
  if (!NAME.test(name) || name.length > 64)
    throw new UsageError(`bad plugin name '${name}': lowercase letters, digits and '-', starting with a letter or digit, at most 64`);
  if (!KINDS.includes(kind)) throw new UsageError(`bad kind '${kind}' (one of ${KINDS.join(', ')})`);
  const dir = resolve(opts.dir ?? name);
  if (existsSync(dir)) {
    if (!(await stat(dir)).isDirectory() || (await readdir(dir)).length > 0) throw new UsageError(`${dir} already exists and is not empty`);
  }
  const sdk = opts.sdk ?? sdkDir();
  const vars = { name, kind, sdk_path: join(sdk, 'rust').replace(/\\/g, '/') };
  // template-relative source → plugin-relative destination
  const plan = new Map<string, string>();
  let root: string;
  if (lang === 'rust') {
    root = join(sdk, 'rust', 'template');
    if (!existsSync(root)) throw new UsageError(`Rust templates not found in ${root}`);
    for (const f of await walk(root)) {
      if (f.startsWith('kinds/')) continue;
      plan.set(f, f === 'gitignore' ? '.gitignore' : f);
    }
    plan.set(`kinds/${kind}.toml`, 'plugin.toml');
    plan.set(`kinds/${kind}.rs`, 'src/lib.rs');
  } else if (lang === 'as') {
    // one complete template per kind: sdk/assemblyscript/template/<kind>/
    root = join(sdk, 'assemblyscript', 'template', kind);
    if (!existsSync(root)) throw new UsageError(`AssemblyScript template not found: ${root}`);
    for (const f of await walk(root)) plan.set(f, f === 'gitignore' ? '.gitignore' : f);
  } else {
    throw new UsageError(`bad language '${String(lang)}' (rust or as)`);
  }
  // Read every template first, so a missing one leaves no half-made plugin.
  const contents: [string, string][] = [];
  for (const [src, dst] of plan) {
    const text = await readFile(join(root, src), 'utf8').catch(() => {
      throw new UsageError(`template ${relative(sdk, join(root, src))} is missing (kind '${kind}' not supported for ${lang}?)`);
    });
    contents.push([dst, fill(text, vars)]);
  }
  const files: string[] = [];
  for (const [dst, text] of contents) {
    const out = join(dir, dst);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
    files.push(dst);
  }
  return { dir, files: files.sort() };
}
