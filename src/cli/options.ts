/** Parsing of numeric and list flags: bad values are usage errors that name the flag. */
import { UsageError } from '../errors.js';

export function intOption(flag: string, raw: string | undefined, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return def;
  const s = String(raw).trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`${flag} must be a whole number, got '${raw}'`);
  const n = Number(s);
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function numberOption(flag: string, raw: string | undefined, def: number, min: number): number {
  if (raw === undefined) return def;
  const n = Number(String(raw).trim());
  if (String(raw).trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got '${raw}'`);
  if (n < min) throw new UsageError(`${flag} must be at least ${min}, got ${n}`);
  return n;
}

export function listOption(raw: string | string[] | undefined): string[] {
  if (raw === undefined) return [];
  const items = Array.isArray(raw) ? raw : [raw];
  return items.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function choiceOption<T extends string>(flag: string, raw: string | undefined, choices: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${raw}'`);
  return raw as T;
}

/**
 * nmap's output flags (`-oN FILE` and the rest). Commander would read `-oX`
 * as `-o X` (write to a file named X) and the file name as a target, so each
 * is recognised here: rewritten to its long flag (NMAP_OUTPUT_REWRITES), or
 * refused by name when wasmap does not write that format.
 */
export const NMAP_OUTPUT_FLAGS: Readonly<Record<string, string>> = {
  N: 'normal',
  X: 'XML',
  S: 'script kiddie',
  G: 'grepable',
  M: 'grepable (old name of -oG)',
  A: 'normal, XML and grepable',
};

const NMAP_OUTPUT_REWRITES: Readonly<Record<string, string>> = {
  N: '--output-normal',
  X: '--output-xml',
  G: '--output-grepable',
  M: '--output-grepable',
  A: '--output-all',
};

/** `-oX`, `--oX` and `--oX=FILE`, as nmap's getopt_long_only takes them; undefined for anything else. */
function nmapOutputLetter(arg: string): string | undefined {
  const m = /^--?o([A-Za-z])(?:=.*)?$/.exec(arg);
  return m && NMAP_OUTPUT_FLAGS[m[1]!] !== undefined ? m[1] : undefined;
}

function refuseNmapOutput(letter: string): never {
  throw new UsageError(
    `-o${letter} (nmap's ${NMAP_OUTPUT_FLAGS[letter]} output) is not supported: use -oN, -oX, -oG or -oA, or -o FILE with -f`,
  );
}

/**
 * nmap spells some flags with one dash and two letters (-iL, -Pn, -sT). Commander
 * only knows single-letter short flags, so they are rewritten to long ones first
 * (up to `--`, after which everything is an argument).
 */
export function rewriteNmapFlags(argv: string[]): string[] {
  const map: Record<string, string[]> = {
    '-iL': ['--input-list'],
    '-Pn': ['--skip-discovery'],
    // -sV: service and version detection, which the default profile already runs
    '-sV': ['--profile', 'default'],
  };
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv : argv.slice(0, end);
  const rest = end < 0 ? [] : argv.slice(end);
  return [
    ...flags.flatMap((a) => {
      const letter = nmapOutputLetter(a);
      if (letter !== undefined) {
        const long = NMAP_OUTPUT_REWRITES[letter] ?? refuseNmapOutput(letter);
        const eq = a.indexOf('=');
        return [eq < 0 ? long : `${long}${a.slice(eq)}`];
      }
      return map[a] ?? [a];
    }),
    ...rest,
  ];
}
