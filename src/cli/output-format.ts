/**
 * What `-o FILE` means: the format `-f` names, else the one its extension
 * names. An extension wasmap does not write (`.pdf`) is refused rather than
 * filled with JSONL; a name without one (`results`) is JSONL. With -oX, -oN,
 * -oG, -oA and --html, every output is planned and checked with the other
 * flags, before any file is opened, so a bad one leaves all files as they were.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { formatFromPath, type OutputFormat } from '../report/writer.js';

const WRITTEN = ".jsonl (or .ndjson), .json, .csv, .txt (a table), .html (a report), and nmap's .xml, .nmap and .gnmap";

export function outputFileFormat(path: string, chosen: OutputFormat | undefined): OutputFormat {
  if (chosen) return chosen;
  const byExtension = formatFromPath(path);
  if (byExtension) return byExtension;
  const ext = extname(path);
  // only what reads as a file type: `scan.2024` or `out.1` is just a name
  if (!/^\.[A-Za-z][A-Za-z0-9]*$/.test(ext)) return 'jsonl';
  throw new UsageError(`cannot write '${path}': wasmap does not write ${ext} files; it writes ${WRITTEN}, or any file name with -f FORMAT`);
}

/** The flags that name where events go. */
export interface OutputFlags {
  output?: string;
  html?: string;
  outputXml?: string;
  outputNormal?: string;
  outputGrepable?: string;
  outputAll?: string;
}

/** One output of the scan: a file, or `-` for stdout (nmap's spelling). */
export interface PlannedOutput {
  path: string;
  format: OutputFormat;
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Refuses a path that cannot be opened for writing, without creating or truncating it. */
function checkWritable(path: string): void {
  if (path === '-') return;
  let isDir: boolean | undefined;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // does not exist yet: its directory must
  }
  if (isDir) throw new UsageError(`cannot write '${path}': it is a directory`);
  const target = isDir === undefined ? dirname(path) : path;
  try {
    if (isDir === undefined && !statSync(target).isDirectory()) throw new UsageError(`cannot write '${path}': '${target}' is not a directory`);
    accessSync(target, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const why = code(e);
    throw new UsageError(why === 'ENOENT' ? `cannot write '${path}': no such directory '${target}'` : `cannot write '${path}': ${why}`);
  }
}

/**
 * Every output the flags name, checked before any is opened: formats,
 * a file named twice, and that each can be written (-oA: its directory
 * exists). `chosen` (-f) is the format of -o.
 */
export function planOutputs(f: OutputFlags, chosen: OutputFormat | undefined): PlannedOutput[] {
  const plan: PlannedOutput[] = [];
  if (f.output) plan.push({ path: f.output, format: outputFileFormat(f.output, chosen) });
  if (f.html) plan.push({ path: f.html, format: 'html' });
  if (f.outputXml) plan.push({ path: f.outputXml, format: 'nmap-xml' });
  if (f.outputNormal) plan.push({ path: f.outputNormal, format: 'nmap-normal' });
  if (f.outputGrepable) plan.push({ path: f.outputGrepable, format: 'nmap-grep' });
  if (f.outputAll) {
    const formats: [string, OutputFormat][] = [['xml', 'nmap-xml'], ['nmap', 'nmap-normal'], ['gnmap', 'nmap-grep'], ['jsonl', 'jsonl']];
    plan.push(...formats.map(([ext, format]) => ({ path: `${f.outputAll}.${ext}`, format })));
  }
  const seen = new Set<string>();
  for (const p of plan) {
    const key = p.path === '-' ? '-' : resolve(p.path);
    if (seen.has(key)) throw new UsageError(`cannot write '${p.path}' twice: give each output its own file`);
    seen.add(key);
    checkWritable(p.path);
  }
  return plan;
}
