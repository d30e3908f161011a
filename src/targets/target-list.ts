/**
 * Target list files (-iL, --exclude-file): specs separated by whitespace or
 * newlines, '#' starts a comment to the end of the line, '-' means stdin.
 * Lists are small, so they are read whole; the ranges in them are not expanded.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

export interface ListEntry {
  text: string;
  /** where it came from, for error messages: "targets.txt line 3" */
  where: string;
}

export function splitTargetList(content: string, name: string): ListEntry[] {
  const out: ListEntry[] = [];
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i]!.indexOf('#');
    const line = hash >= 0 ? lines[i]!.slice(0, hash) : lines[i]!;
    for (const text of line.split(/\s+/)) {
      if (text !== '') out.push({ text, where: `${name} line ${i + 1}` });
    }
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a list file ('-' = stdin); `what` names it in errors ("target list", "exclude list"). */
export async function readTargetList(path: string, what: string): Promise<ListEntry[]> {
  let content: string;
  try {
    content = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(`cannot read ${what} '${path}': ${code}`);
  }
  return splitTargetList(content, path === '-' ? 'stdin' : path);
}
