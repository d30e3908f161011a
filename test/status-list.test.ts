// The ABI §7 status list lives in three languages: the host's STATUSES (which
// result validation enforces), the AssemblyScript SDK's STATUS_* constants and
// the Rust SDK's `Status` enum. They are kept by hand rather than generated
// because each SDK ships as plain source a plugin author builds with their own
// toolchain (asc, cargo), with no wasmap build step in between; this test is
// what keeps them equal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STATUSES } from '../src/sandbox/index.js';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const read = (...p: string[]): string => readFileSync(join(repo, ...p), 'utf8');

/** `export const STATUS_X = "x";` values, in file order. */
function assemblyScriptStatuses(): string[] {
  return [...read('sdk', 'assemblyscript', 'assembly', 'status.ts').matchAll(/^export const STATUS_\w+ = "([^"]+)";/gm)].map((m) => m[1]!);
}

/** The Rust `Status` enum's body, between its braces. */
function rustBlock(src: string, head: RegExp): string {
  const at = src.search(head);
  expect(at, `${head} in types.rs`).toBeGreaterThanOrEqual(0);
  const open = src.indexOf('{', at);
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}' && --depth === 0) return src.slice(open + 1, i);
  }
  throw new Error(`unclosed block after ${head}`);
}

describe('the plugin status list', () => {
  const rust = read('sdk', 'rust', 'src', 'types.rs');

  it('is the same in the AssemblyScript SDK as in the host, in the same order', () => {
    expect(assemblyScriptStatuses()).toEqual([...STATUSES]);
  });

  it('is the same in the Rust SDK as in the host: the enum as serde names it, and as_str', () => {
    // serde(rename_all = "kebab-case"): IoTimeout → io-timeout
    expect(rust).toMatch(/#\[serde\(rename_all = "kebab-case"\)\]\s*pub enum Status\b/);
    const variants = [...rustBlock(rust, /pub enum Status\b/).matchAll(/^\s*(\w+),/gm)].map((m) => m[1]!);
    expect(variants.map((v) => v.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase())).toEqual([...STATUSES]);
    const asStr = [...rustBlock(rust, /impl Status\b/).matchAll(/Status::(\w+) => "([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(asStr.map(([, s]) => s)).toEqual([...STATUSES]);
    expect(asStr.map(([v]) => v)).toEqual(variants);
  });

  it('is what the AssemblyScript SDK maps host errors to, never a literal outside it', () => {
    // statusForError returns the constants, so a renamed status cannot leave a stale string behind
    const errors = read('sdk', 'assemblyscript', 'assembly', 'errors.ts');
    expect([...errors.matchAll(/return "([a-z-]+)";/g)].map((m) => m[1])).toEqual([]);
  });
});
