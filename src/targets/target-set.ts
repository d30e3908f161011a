/**
 * The set of hosts a scan covers: the union of every target spec, minus the
 * exclusions, held per family as sorted disjoint intervals. Nothing is ever
 * expanded, so `0.0.0.0/0` costs one interval, and `hostAt(i)` finds the i-th
 * host by binary search (IPv4 first, ascending, then IPv6).
 */
import { promises as dns } from 'node:dns';
import { UsageError, WasmapError } from '../errors.js';
import { formatIPv4, formatIPv6, tryParseIp, type IpFamily } from './ip.js';
import { countIntervals, countWithin, intervalsContain, subtractIntervals, unionIntervals, type Interval } from './intervals.js';
import { parseTargetSpec, specSize, type TargetSpec } from './target-spec.js';
import { readTargetList, type ListEntry } from './target-list.js';
import { isNamedSpec, RESERVED_BLOCKS, reservedIntervals, type ReservedBlock } from './reserved.js';

export interface HostRef {
  ip: string;
  family: 4 | 6;
  /** set when the address came from resolving this name (for SNI / Host headers) */
  hostname?: string;
}

export interface TargetInput {
  /** positional targets, one spec each */
  targets: string[];
  /** -iL FILE; '-' = stdin */
  inputFile?: string;
  /** --exclude entries, already split on commas */
  exclude?: string[];
  /** --exclude-file FILE, same format as -iL */
  excludeFile?: string;
  /** most addresses one spec or the whole set may hold; default 2**32 */
  maxHosts?: number;
  /**
   * Leave the reserved blocks (reserved.ts) out of ranges that were not named
   * on purpose (see `isNamedSpec`); default false: the set holds what was given.
   */
  leaveOutReserved?: boolean;
  /** hostname → addresses; default: the system resolver, all addresses */
  resolve?: (name: string) => Promise<string[]>;
}

/** Structured-clone-able form, for worker_threads: intervals as flat [first, last, first, last, …]. */
export interface TargetSetPlain {
  v4: bigint[];
  v6: bigint[];
  hostnames: [string, string][];
}

export const DEFAULT_MAX_HOSTS = 2 ** 32;
const RESOLVE_CONCURRENCY = 16;

export class TargetSet {
  readonly size: number;
  readonly #v4: Interval[];
  readonly #v6: Interval[];
  readonly #names: Map<string, string>;
  /** index of the first host of each interval, v4 intervals then v6 */
  readonly #starts: Float64Array;
  /** v4 interval starts as plain numbers: the common case skips BigInt */
  readonly #v4First: Float64Array;

  /** Intervals must be normalised (sorted, disjoint); use `buildTargetSet` from user input. */
  constructor(v4: Interval[], v6: Interval[], hostnames: Map<string, string> = new Map()) {
    this.#v4 = v4;
    this.#v6 = v6;
    this.#names = hostnames;
    const all = [...v4, ...v6];
    this.#starts = new Float64Array(all.length);
    let n = 0;
    all.forEach((iv, i) => {
      this.#starts[i] = n;
      n += Number(iv.last - iv.first + 1n);
    });
    if (!Number.isSafeInteger(n)) throw new WasmapError('WASMAP_TARGET_TOO_LARGE', `target set is too large: ${n} addresses`);
    this.size = n;
    this.#v4First = Float64Array.from(v4, (iv) => Number(iv.first));
  }

  hostAt(index: number): HostRef {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new WasmapError('WASMAP_INTERNAL', `host index ${index} out of range [0, ${this.size})`);
    }
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    const offset = index - starts[lo]!;
    let ip: string;
    let family: IpFamily;
    if (lo < this.#v4.length) {
      ip = formatIPv4(this.#v4First[lo]! + offset);
      family = 4;
    } else {
      ip = formatIPv6(this.#v6[lo - this.#v4.length]!.first + BigInt(offset));
      family = 6;
    }
    const hostname = this.#names.get(ip);
    return hostname === undefined ? { ip, family } : { ip, family, hostname };
  }

  /** ip → hostname for the addresses that came from a hostname. */
  hostnames(): Map<string, string> {
    return new Map(this.#names);
  }

  /** The normalised intervals of one family (copies). */
  intervals(family: IpFamily): Interval[] {
    return (family === 4 ? this.#v4 : this.#v6).map((iv) => ({ ...iv }));
  }

  toPlain(): TargetSetPlain {
    const flat = (l: Interval[]): bigint[] => l.flatMap((iv) => [iv.first, iv.last]);
    return { v4: flat(this.#v4), v6: flat(this.#v6), hostnames: [...this.#names] };
  }

  static fromPlain(p: TargetSetPlain): TargetSet {
    const pairs = (flat: bigint[]): Interval[] => {
      const out: Interval[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ first: flat[i]!, last: flat[i + 1]! });
      return out;
    };
    return new TargetSet(pairs(p.v4), pairs(p.v6), new Map(p.hostnames));
  }
}

async function systemResolve(name: string): Promise<string[]> {
  const found = await dns.lookup(name, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

interface Located {
  spec: TargetSpec;
  where?: string;
}

/** Parses specs; `maxHosts` (targets only: exclusions may be any size) caps each one. */
function parseAll(entries: readonly (string | ListEntry)[], maxHosts?: number): Located[] {
  return entries.map((e) => {
    const text = typeof e === 'string' ? e : e.text;
    const where = typeof e === 'string' ? undefined : e.where;
    let spec: TargetSpec;
    try {
      spec = parseTargetSpec(text);
    } catch (err) {
      if (err instanceof UsageError && where) throw new UsageError(`${err.message} (${where})`);
      throw err;
    }
    // Checked before anything is built, so '::/64' is refused at once.
    const n = specSize(spec);
    if (maxHosts !== undefined && n > BigInt(maxHosts)) {
      throw new WasmapError('WASMAP_TARGET_TOO_LARGE', `target '${spec.text}' is too large: ${n} addresses (limit ${maxHosts})`);
    }
    return { spec, where };
  });
}

/** Resolves every distinct name, a few at a time; any failure fails the whole set. */
async function resolveAll(names: string[], resolve: (name: string) => Promise<string[]>): Promise<Map<string, { family: IpFamily; value: bigint; ip: string }[]>> {
  const out = new Map<string, { family: IpFamily; value: bigint; ip: string }[]>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      let found: string[];
      try {
        found = await resolve(name);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new WasmapError('WASMAP_RESOLVE', `failed to resolve '${name}'${code ? ` (${code})` : ''}`, { cause: err });
      }
      // Scoped (zone) addresses cannot be targets; a name left with none fails.
      const addrs = [];
      for (const a of new Set(found)) {
        const r = tryParseIp(a);
        if (r.ok) addrs.push({ ...r.ip, ip: r.ip.family === 4 ? formatIPv4(Number(r.ip.value)) : formatIPv6(r.ip.value) });
      }
      if (addrs.length === 0) throw new WasmapError('WASMAP_RESOLVE', `failed to resolve '${name}': no usable address`);
      out.set(name, addrs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, names.length) }, worker));
  return out;
}

interface Built {
  /** every address the specs stand for */
  v4: Interval[];
  v6: Interval[];
  /** the same without the reserved parts of wide ranges (equal to v4/v6 unless asked) */
  kept4: Interval[];
  kept6: Interval[];
  names: Map<string, string>;
}

type Resolved = Map<string, { family: IpFamily; value: bigint; ip: string }[]>;

function collect(specs: readonly Located[], resolved: Resolved, leaveOutReserved = false): Built {
  const named = { 4: [] as Interval[], 6: [] as Interval[] };
  const wide = { 4: [] as Interval[], 6: [] as Interval[] };
  const names = new Map<string, string>();
  for (const { spec } of specs) {
    if (spec.kind === 'addresses') {
      (leaveOutReserved && !isNamedSpec(spec) ? wide : named)[spec.family].push({ first: spec.first, last: spec.last });
      continue;
    }
    // a hostname is named on purpose: all its addresses are kept
    for (const a of resolved.get(spec.name) ?? []) {
      named[a.family].push({ first: a.value, last: a.value });
      if (!names.has(a.ip)) names.set(a.ip, spec.name);
    }
  }
  const kept = (f: IpFamily): Interval[] => unionIntervals([...named[f], ...subtractIntervals(unionIntervals(wide[f]), reservedIntervals(f))]);
  return {
    v4: unionIntervals([...named[4], ...wide[4]]),
    v6: unionIntervals([...named[6], ...wide[6]]),
    kept4: leaveOutReserved ? kept(4) : unionIntervals(named[4]),
    kept6: leaveOutReserved ? kept(6) : unionIntervals(named[6]),
    names,
  };
}

/** Addresses of one reserved block that a scan left out of the ranges it was given. */
export interface LeftOut {
  block: ReservedBlock;
  count: bigint;
}

export interface PlannedTargets {
  set: TargetSet;
  /** per reserved block, what `leaveOutReserved` removed (none when not asked) */
  leftOut: LeftOut[];
}

function tallyLeftOut(before: { 4: Interval[]; 6: Interval[] }, after: { 4: Interval[]; 6: Interval[] }): LeftOut[] {
  const out: LeftOut[] = [];
  for (const block of RESERVED_BLOCKS) {
    const count = countWithin(before[block.family], block.first, block.last) - countWithin(after[block.family], block.first, block.last);
    if (count > 0n) out.push({ block, count });
  }
  return out;
}

/**
 * The least number of addresses the command-line targets alone will give,
 * without reading files or resolving names (so it can run before anything
 * else): targets from names and lists only add to it. Undefined when an
 * exclusion is a hostname, which could take away any number.
 */
export function literalTargetCount(targets: readonly string[], exclude: readonly string[], opts: { leaveOutReserved?: boolean; maxHosts?: number } = {}): bigint | undefined {
  const include = parseAll(targets, opts.maxHosts ?? DEFAULT_MAX_HOSTS);
  const excl = parseAll(exclude.filter((s) => s.trim() !== ''));
  if (excl.some(({ spec }) => spec.kind === 'hostname')) return undefined;
  const inc = collect(include, new Map(), opts.leaveOutReserved);
  const exc = collect(excl, new Map());
  return countIntervals(subtractIntervals(inc.kept4, exc.v4)) + countIntervals(subtractIntervals(inc.kept6, exc.v6));
}

export async function buildTargetSet(input: TargetInput): Promise<TargetSet> {
  return (await planTargets(input)).set;
}

/** `buildTargetSet`, and what `leaveOutReserved` left out (for the line the CLI prints). */
export async function planTargets(input: TargetInput): Promise<PlannedTargets> {
  const maxHosts = input.maxHosts ?? DEFAULT_MAX_HOSTS;
  if (!Number.isSafeInteger(maxHosts) || maxHosts < 1) throw new UsageError(`invalid host limit ${maxHosts}`);
  const resolve = input.resolve ?? systemResolve;

  const includeEntries: (string | ListEntry)[] = [...input.targets];
  if (input.inputFile !== undefined) includeEntries.push(...(await readTargetList(input.inputFile, 'target list')));
  const excludeEntries: (string | ListEntry)[] = (input.exclude ?? []).filter((s) => s.trim() !== '');
  if (input.excludeFile !== undefined) excludeEntries.push(...(await readTargetList(input.excludeFile, 'exclude list')));

  const include = parseAll(includeEntries, maxHosts);
  const exclude = parseAll(excludeEntries);
  if (include.length === 0) throw new UsageError('no targets to scan');

  const names = [...new Set([...include, ...exclude].flatMap(({ spec }) => (spec.kind === 'hostname' ? [spec.name] : [])))];
  const resolved = await resolveAll(names, resolve);

  const inc = collect(include, resolved, input.leaveOutReserved);
  const exc = collect(exclude, resolved);
  const v4 = subtractIntervals(inc.kept4, exc.v4);
  const v6 = subtractIntervals(inc.kept6, exc.v6);
  const before = { 4: subtractIntervals(inc.v4, exc.v4), 6: subtractIntervals(inc.v6, exc.v6) };
  const leftOut = input.leaveOutReserved ? tallyLeftOut(before, { 4: v4, 6: v6 }) : [];

  const total = countIntervals(v4) + countIntervals(v6);
  if (total > BigInt(maxHosts)) {
    throw new WasmapError('WASMAP_TARGET_TOO_LARGE', `targets are too large: ${total} addresses in all (limit ${maxHosts})`);
  }
  if (total === 0n) {
    const given = countIntervals(inc.v4) + countIntervals(inc.v6);
    const afterExclusions = countIntervals(before[4]) + countIntervals(before[6]);
    if (afterExclusions > 0n) {
      const blocks = leftOut.map((l) => l.block.cidr).join(', ');
      throw new UsageError(`no targets to scan: all ${afterExclusions} address${afterExclusions === 1n ? ' is' : 'es are'} reserved (${blocks}); name a block on its own to scan it`);
    }
    throw new UsageError(`no targets to scan: all ${given} target address${given === 1n ? ' is' : 'es are'} excluded`);
  }
  const kept = new Map<string, string>();
  for (const [ip, name] of inc.names) {
    const r = tryParseIp(ip);
    if (r.ok && intervalsContain(r.ip.family === 4 ? v4 : v6, r.ip.value)) kept.set(ip, name);
  }
  return { set: new TargetSet(v4, v6, kept), leftOut };
}
