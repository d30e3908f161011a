/**
 * `wasmap plugin new`: a plugin directory that builds and has a test, from
 * the templates in `sdk/rust/template/` (Rust: shared files plus
 * `kinds/<kind>.toml` → plugin.toml and `kinds/<kind>.rs` → src/lib.rs) or
 * `sdk/assemblyscript/template/<kind>/` plus the shared `package.template.json`
 * and `gitignore` (AS). `{{name}}` and `{{kind}}` are substituted in every
 * file, and so are the places of the running wasmap, so the plugin works
 * wherever it is made:
 *
 *   {{sdk_path}}     its Rust SDK (Cargo.toml's wasmap-sdk path)
 *   {{wasmap_dep}}   `file:` + its root (package.json: `npm install` links it, offline)
 *   {{registry}}     Debian's crate registry (.cargo/config.toml, only when installed)
 *
 * Inside the wasmap tree (plugins-wasm/NAME) these are relative, as the
 * bundled plugins' are; elsewhere absolute, pointing at the installed package.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import type { PluginKind } from '../sandbox/types.js';
import { DEBIAN_REGISTRY, packageRoot } from './toolchain.js';

export const KINDS: readonly PluginKind[] = ['scanner', 'detection', 'evaluator', 'output'];
export type ScaffoldLang = 'rust' | 'as';

export interface ScaffoldOptions {
  name: string;
  lang: ScaffoldLang;
  kind?: PluginKind;
  /** Where to create it; default `./<name>`. Must not exist or be empty. */
  dir?: string;
  /** The wasmap whose SDKs and templates to use; default the running one. */
  root?: string;
  /** Debian's crate registry; default /usr/share/cargo/registry, written to .cargo/config.toml only if it exists. */
  registry?: string;
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

/** `to` as the plugin in `dir` should name it: relative inside `root`'s tree, else absolute; always with `/`. */
function placeOf(to: string, dir: string, root: string): string {
  const inside = relative(root, dir);
  const rel = inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
  return (rel ? relative(dir, to) || '.' : to).replace(/\\/g, '/');
}

/** Escaped for a "…" string in JSON or TOML (same rules for `"` and `\`). */
const quoted = (s: string): string => JSON.stringify(s).slice(1, -1);

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
  const wasmap = opts.root ?? packageRoot();
  const sdk = join(wasmap, 'sdk');
  const registry = opts.registry ?? DEBIAN_REGISTRY;
  const vars = {
    name,
    kind,
    sdk_path: quoted(placeOf(join(sdk, 'rust'), dir, wasmap)),
    wasmap_dep: quoted(`file:${placeOf(wasmap, dir, wasmap)}`),
    registry: quoted(registry),
  };
  // template-relative source → plugin-relative destination
  const plan = new Map<string, string>();
  let root: string;
  if (lang === 'rust') {
    root = join(sdk, 'rust', 'template');
    if (!existsSync(root)) throw new UsageError(`Rust templates not found in ${root}`);
    for (const f of await walk(root)) {
      if (f.startsWith('kinds/') || f === 'cargo-config.toml') continue;
      plan.set(f, f === 'gitignore' ? '.gitignore' : f);
    }
    // `cargo test` and `cargo build` offline from Debian's crates, as `plugin build` does
    if (existsSync(registry)) plan.set('cargo-config.toml', '.cargo/config.toml');
    plan.set(`kinds/${kind}.toml`, 'plugin.toml');
    plan.set(`kinds/${kind}.rs`, 'src/lib.rs');
  } else if (lang === 'as') {
    // one complete template per kind: sdk/assemblyscript/template/<kind>/
    root = join(sdk, 'assemblyscript', 'template', kind);
    if (!existsSync(root)) throw new UsageError(`AssemblyScript template not found: ${root}`);
    for (const f of await walk(root)) plan.set(f, f === 'gitignore' ? '.gitignore' : f);
    // shared by every kind: `npm install` links this wasmap (for wasmap/testing and the CLI)
    plan.set('../package.template.json', 'package.json');
    plan.set('../gitignore', '.gitignore');
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
