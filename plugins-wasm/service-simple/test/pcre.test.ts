// The regex engine of assembly/pcre.ts, run through the real runtime by the
// test-only harness plugin in test/pcre-harness. Oracle: JavaScript's RegExp
// on the same nmap-service-probes patterns (rewritten where PCRE and JS
// differ), on replies of real daemons and on subjects built from each pattern.
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packManifest } from '../../../src/authoring/pack.js';
import { readPluginToml } from '../../../src/authoring/plugin-toml.js';
import type { LoadedPlugin, PluginRuntime } from '../../../src/sandbox/index.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../../../sdk/assemblyscript/scripts/build.mjs';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../../../test/support/services.mjs';
import { tempDir, testRuntime } from '../../../test/sandbox/helpers/fixtures.js';

const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const PROBES_FILE = '/usr/share/nmap/nmap-service-probes';
const SERVICES = ['ssh', 'http', 'ftp', 'smtp', 'redis', 'memcached', 'mysql', 'postgres', 'mqtt', 'rsync', 'telnet'];
const BATCH = 1500;
/** Services that say nothing to the generic probes: a first message of their own protocol. */
const OWN_PROBE: Record<string, string> = {
  // v3 StartupMessage, user "nmap", database "nmap": answered by an auth request or an error
  postgres: (() => {
    const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0nmap\0database\0nmap\0\0', 'latin1')]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length + 4);
    return Buffer.concat([len, body]).toString('latin1');
  })(),
  // MQTT 3.1.1 CONNECT, clean session, empty client id: answered by CONNACK
  mqtt: '\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00',
};

interface Running { name: string; host: string; port: number }
interface Probe { line: number; pattern: string; flags: string }
interface Row { p: number; s: number; aborted: boolean; caps: string[] | null }
interface Batch { errors: string[]; groups: number[]; rows: Row[] }

/** Every match/softmatch line: the pattern between its delimiters (nmap: the first next delimiter ends it) and its flags. */
function readProbes(): Probe[] {
  const out: Probe[] = [];
  readFileSync(PROBES_FILE, 'latin1').split('\n').forEach((text, i) => {
    const m = /^(?:soft)?match \S+ m(.)/.exec(text);
    if (!m) return;
    const start = m[0].length;
    const end = text.indexOf(m[1]!, start);
    if (end < 0) throw new Error(`line ${i + 1}: no closing delimiter`);
    out.push({ line: i + 1, pattern: text.slice(start, end), flags: /^[a-z]*/.exec(text.slice(end + 1))![0] });
  });
  return out;
}

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const latin1 = (b: Buffer): string => b.toString('latin1');

/** Reads \xH, \xHH or \x{H..} (after the x) or \0 + up to two octal digits; returns [char code, chars used]. */
function numericEscape(p: string, i: number): [number, number] | null {
  if (p[i] === 'x') {
    if (p[i + 1] === '{') {
      const close = p.indexOf('}', i);
      return [parseInt(p.slice(i + 2, close), 16), close - i + 1];
    }
    const h = /^[0-9a-fA-F]{0,2}/.exec(p.slice(i + 1))![0];
    return [h ? parseInt(h, 16) : 0, 1 + h.length];
  }
  if (p[i] === '0') {
    const o = /^[0-7]{0,2}/.exec(p.slice(i + 1))![0];
    return [o ? parseInt(o, 8) : 0, 1 + o.length];
  }
  return null;
}

const jsHex = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`;
const PCRE_SPACE = '\\t\\n\\v\\f\\r ';

/**
 * The pattern as a JS RegExp with PCRE's meaning on latin1 text, or null when
 * JS cannot express it. Rewrites: $ and \Z (end or before a final \n), \A, \z,
 * . (PCRE excludes only \n), \s/\S (JS also counts \xa0), \v, \x and octal
 * forms, and a ] first in a class (literal in PCRE).
 */
function toJs(p: string, flags: string): RegExp | null {
  const dotall = flags.includes('s');
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const e = p[i + 1]!;
      const num = numericEscape(p, i + 1);
      if (num) { out += jsHex(num[0]); i += num[1]; continue; }
      i++;
      if (e === 's') out += inClass ? PCRE_SPACE : `[${PCRE_SPACE}]`;
      else if (e === 'S') out += inClass ? '\\S\\xa0' : `[^${PCRE_SPACE}]`;
      else if (e === 'v') out += inClass ? '\\n\\v\\f\\r\\x85' : '[\\n\\v\\f\\r\\x85]';
      else if (e === 'e') out += '\\x1b';
      else if (e === 'a') out += '\\x07';
      else if (!inClass && e === 'A') out += '^';
      else if (!inClass && e === 'z') out += '$';
      else if (!inClass && e === 'Z') out += '(?=\\n?$)';
      else out += `\\${e}`;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      if (c === '[' && p[i + 1] === ':') return null; // POSIX classes
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += '[';
      if (p[i + 1] === '^') { out += '^'; i++; }
      if (p[i + 1] === ']') { out += '\\]'; i++; }
    } else if (c === '.') out += dotall ? '[\\s\\S]' : '[^\\n]';
    else if (c === '$') out += '(?=\\n?$)';
    else if (c === '(' && /^\(\?[a-zA-Z-]/.test(p.slice(i))) return null; // inline flags
    else out += c;
  }
  try {
    return new RegExp(out, flags.includes('i') ? 'i' : '');
  } catch {
    return null;
  }
}

/**
 * A subject the pattern should match: walks it taking the first alternative,
 * one of each repeat (n for {n...}), a member of each class, and skipping
 * lookarounds. Good enough to reach captures; the oracle decides the truth.
 */
function sample(p: string): string {
  let out = '';
  const starts: number[] = [];
  const skipping: boolean[] = [];
  let lastAtom = 0;
  const skipNow = (): boolean => skipping.length > 0 && skipping[skipping.length - 1]!;
  const emit = (s: string): void => { lastAtom = out.length; if (!skipNow()) out += s; };
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const e = p[i + 1]!;
      const num = numericEscape(p, i + 1);
      if (num) { emit(String.fromCharCode(num[0])); i += num[1]; continue; }
      i++;
      const map: Record<string, string> = { d: '1', w: 'a', s: ' ', S: 'x', D: 'x', W: '-', n: '\n', r: '\r', t: '\t', b: '', B: '', A: '', z: '', Z: '' };
      if (/[1-9]/.test(e)) emit('');
      else emit(e in map ? map[e]! : e);
    } else if (c === '[') {
      let j = i + 1;
      const neg = p[j] === '^';
      if (neg) j++;
      let first = '';
      if (p[j] === '\\') first = { d: '1', w: 'a', s: ' ' }[p[j + 1]!] ?? (numericEscape(p, j + 1) ? String.fromCharCode(numericEscape(p, j + 1)![0]) : p[j + 1]!);
      else first = p[j]!;
      j++;
      while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
      const body = p.slice(i, j + 1);
      emit(neg ? ['x', 'Q', '7', ' '].find((x) => !body.includes(x)) ?? 'x' : first);
      i = j;
    } else if (c === '(') {
      if (p.startsWith('(?=', i) || p.startsWith('(?!', i) || p.startsWith('(?<=', i) || p.startsWith('(?<!', i)) {
        skipping.push(true);
      } else skipping.push(skipNow());
      starts.push(out.length);
      if (p.startsWith('(?<', i)) i += 3;
      else if (p.startsWith('(?:', i) || p.startsWith('(?=', i) || p.startsWith('(?!', i)) i += 2;
      else if (p[i + 1] === '?') i = /^\(\?[a-zA-Z-]*/.exec(p.slice(i))![0].length + i; // inline flags
    } else if (c === ')') {
      skipping.pop();
      lastAtom = starts.pop() ?? 0;
    } else if (c === '|') {
      if (skipping.length === 0) break;
      skipping[skipping.length - 1] = true;
    } else if (c === '{') {
      const q = /^\{(\d+)(,\d*)?\}/.exec(p.slice(i));
      if (q) {
        const n = Number(q[1]);
        const atom = out.slice(lastAtom);
        out = out.slice(0, lastAtom) + atom.repeat(n);
        i += q[0].length - 1;
      } else emit('{');
    } else if (c === '.') emit('x');
    else if (c === '^' || c === '$') emit('');
    else if (c === '*' || c === '+' || c === '?') { /* one of each */ }
    else emit(c);
  }
  return out;
}

/** What a service sends first, or for `send`: bytes until it goes quiet (600 ms) or closes, at most 3 s. */
function grab(port: number, send: string | null): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => { if (send !== null) sock.write(send, 'latin1'); });
    let quiet = setTimeout(() => sock.destroy(), 1500);
    const hard = setTimeout(() => sock.destroy(), 3000);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      clearTimeout(quiet);
      quiet = setTimeout(() => sock.destroy(), 600);
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => { clearTimeout(quiet); clearTimeout(hard); resolve(Buffer.concat(chunks)); });
  });
}

const oracle = createContext({});
const EXEC_ALL = 'subjects.map((s) => { const m = re.exec(s); return m ? Array.from(m, (g) => g ?? "") : null; })';

/**
 * JS's answers for one pattern, as the harness reports them (null = no
 * match; 'timeout' where V8 itself backtracks for over a second, since
 * irregexp has no step budget: such a subject proves nothing either way).
 */
function jsExecAll(re: RegExp, subjects: string[]): (string[] | null | 'timeout')[] {
  const run = (list: string[], timeout: number): (string[] | null)[] => {
    oracle.re = re;
    oracle.subjects = list;
    return runInContext(EXEC_ALL, oracle, { timeout }) as (string[] | null)[];
  };
  try {
    return run(subjects, 5000);
  } catch {
    return subjects.map((s) => { try { return run([s], 1000)[0]!; } catch { return 'timeout'; } });
  }
}

describe('the PCRE subset engine of service-simple (assembly/pcre.ts)', () => {
  let rt: PluginRuntime;
  let harness: LoadedPlugin;
  let probes: Probe[];
  let replies: { name: string; text: string }[] = [];

  const run = async (config: Record<string, unknown>): Promise<Batch> => {
    const r = await rt.invoke(harness, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, config });
    if (r.status !== 'success') throw new Error(`harness: ${r.status} ${r.error ?? ''}`);
    const d = r.data as { errors: string[]; groups: number[]; results: [number, number, boolean, string[] | null][] };
    return { errors: d.errors, groups: d.groups, rows: d.results.map(([p, s, aborted, caps]) => ({ p, s, aborted, caps })) };
  };
  /** One pattern on some subjects: per subject, captures or null, and whether it aborted. */
  const one = async (pattern: string, flags: string, subjects: string[], maxSteps = 100000, start = 0) => {
    const b = await run({ patterns: [hex(pattern)], flags: [flags], subjects: subjects.map(hex), max_steps: maxSteps, start });
    return {
      error: b.errors[0]!,
      groups: b.groups[0]!,
      at: (s: number) => b.rows.find((r) => r.s === s) ?? { p: 0, s, aborted: false, caps: null },
    };
  };

  beforeAll(async () => {
    probes = readProbes();
    const out = tempDir('pcre-harness');
    const h = (await buildPlugin(join(here, 'test', 'pcre-harness'), { readPluginToml, packManifest, outFile: join(out, 'harness.wasm') })) as { wasm: Uint8Array };
    // a batch runs ~1500 patterns on ~40 subjects in one call: far more CPU and output than a probe
    rt = testRuntime({ workers: 1, limits: { cpu_ms: 120000, wall_ms: 180000, output_bytes: 16 * 1024 * 1024 } });
    harness = await rt.load(h.wasm);
    const running = (await startServices(SERVICES)) as Running[];
    for (const svc of running) {
      const [greeting, get, lines, own] = await Promise.all([
        grab(svc.port, null), grab(svc.port, 'GET / HTTP/1.0\r\n\r\n'), grab(svc.port, '\r\n\r\n'),
        OWN_PROBE[svc.name] ? grab(svc.port, OWN_PROBE[svc.name]!) : Promise.resolve(Buffer.alloc(0)),
      ]);
      for (const [tag, b] of [['null', greeting], ['get', get], ['lines', lines], ['own', own]] as const) {
        if (b.length > 0) replies.push({ name: `${svc.name}/${tag}`, text: latin1(b) });
      }
    }
  }, 240000);
  afterAll(async () => {
    await rt?.close();
    await stopServices(SERVICES);
  });

  it('reads the real nmap-service-probes file', () => {
    expect(existsSync(PROBES_FILE)).toBe(true);
    expect(probes.length).toBeGreaterThan(10000);
  });

  it('captured a reply from every real daemon', () => {
    const got = new Set(replies.map((r) => r.name.split('/')[0]));
    expect([...got].sort()).toEqual([...SERVICES].sort());
  });

  it('compiles every match/softmatch pattern and agrees with JavaScript on real and synthetic replies', async () => {
    const subjects = replies.map((r) => r.text);
    const failed: string[] = [];
    const disagree: string[] = [];
    const abortedOn: string[] = [];
    const jsTimeouts: string[] = [];
    let compared = 0, pairs = 0, matched = 0, aborted = 0, noOracle = 0;
    for (let at = 0; at < probes.length; at += BATCH) {
      const batch = probes.slice(at, at + BATCH);
      const own = batch.map((pr) => { const s = sample(pr.pattern); return [s, `${s}\r\nX`, s.slice(0, -1), `${s}\n`]; });
      const b = await run({
        patterns: batch.map((pr) => hex(pr.pattern)),
        flags: batch.map((pr) => pr.flags),
        subjects: subjects.map(hex),
        own: own.map((o) => o.map(hex).join(',')),
      });
      const rows = new Map(b.rows.map((r) => [`${r.p}:${r.s}`, r]));
      batch.forEach((pr, p) => {
        if (b.errors[p]) { failed.push(`line ${pr.line}: ${b.errors[p]}: ${pr.pattern.slice(0, 80)}`); return; }
        const re = toJs(pr.pattern, pr.flags);
        if (!re) { noOracle++; return; }
        compared++;
        const all = [...subjects, ...own[p]!];
        const answers = jsExecAll(re, all);
        all.forEach((subject, s) => {
          pairs++;
          const row = rows.get(`${p}:${s}`);
          if (row?.aborted) { aborted++; abortedOn.push(`line ${pr.line} on subject ${s}`); return; }
          const want = answers[s]!;
          if (want === 'timeout') { jsTimeouts.push(`line ${pr.line} on subject ${s}: wasm ${row?.caps ? 'match' : 'no match'}`); return; }
          if (want) matched++;
          const got = row?.caps ?? null;
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            disagree.push(`line ${pr.line} /${pr.pattern.slice(0, 60)}/${pr.flags} on ${JSON.stringify(subject.slice(0, 60))}: wasm ${JSON.stringify(got)?.slice(0, 120)} js ${JSON.stringify(want)?.slice(0, 120)}`);
          }
        });
        if (b.groups[p] !== new RegExp(`${re.source}|`).exec('')!.length - 1) disagree.push(`line ${pr.line}: group count ${b.groups[p]}`);
      });
    }
    console.log(`pcre: ${probes.length} patterns, ${probes.length - failed.length} compiled; ${compared} compared with JS (${noOracle} JS cannot express), ` +
      `${pairs} pattern/subject pairs, ${matched} matches, ${aborted} aborted, ${disagree.length} disagreements; JS timed out on: ${jsTimeouts.join('; ') || 'none'}`);
    expect(failed).toEqual([]);
    expect(disagree.slice(0, 20)).toEqual([]);
    expect(abortedOn).toEqual([]);
    expect(matched).toBeGreaterThan(probes.length); // the synthetic subjects do reach most patterns
  }, 600000);

  it('gives up with aborted on catastrophic backtracking, without a trap, and on any subject size', async () => {
    const r = await one('^(a+)+$', '', [`${'a'.repeat(40)}b`, `${'a'.repeat(200000)}!`, 'aaaa']);
    expect(r.at(0)).toMatchObject({ aborted: true, caps: null });
    expect(r.at(1)).toMatchObject({ aborted: true, caps: null });
    expect(r.at(2)).toMatchObject({ aborted: false, caps: ['aaaa', 'aaaa'] });
    const nested = await one(`^${'(?:'.repeat(100)}a*${')*'.repeat(100)}$`, '', [`${'a'.repeat(30)}b`, 'aaa']);
    expect(nested.at(0)).toMatchObject({ aborted: true, caps: null });
    expect(nested.at(1)).toMatchObject({ aborted: false, caps: ['aaa'] });
    // the same nested repeat, but the reply lacks a char every match needs: no match, no work
    const lit = await one('(x+x+)+y', '', ['x'.repeat(5000)]);
    expect(lit.at(0)).toMatchObject({ aborted: false, caps: null });
  });

  it('honours a lowered maxSteps', async () => {
    const r = await one('^a*b', '', ['aaaaaaaaaab'], 5);
    expect(r.at(0)).toMatchObject({ aborted: true, caps: null });
    const full = await one('^a*b', '', ['aaaaaaaaaab']);
    expect(full.at(0)).toMatchObject({ aborted: false, caps: ['aaaaaaaaaab'] });
  });

  it('compiles parentheses nested 100 deep, and refuses deeper nesting with an error instead of trapping', async () => {
    const ok = await one(`${'('.repeat(100)}a${')'.repeat(100)}`, '', ['xa']);
    expect(ok.groups).toBe(100);
    expect(ok.at(0).caps).toEqual(Array(101).fill('a'));
    const looks = await one(`${'(?='.repeat(100)}a${')'.repeat(100)}a`, '', ['ba']);
    expect(looks.at(0).caps).toEqual(['a']);
    for (const depth of [101, 20000]) {
      const deep = await one(`${'('.repeat(depth)}a${')'.repeat(depth)}`, '', ['a']);
      expect(deep.groups).toBe(-1);
      expect(deep.error).toMatch(/nested too deeply/);
    }
  });

  it('matches empty alternatives, empty loops, lookbehind and a start offset as JavaScript does', async () => {
    const cases: [string, string, string[]][] = [
      ['a(|b)c', '', ['ac', 'abc', 'abbc']],
      ['(|)', '', ['x', '']],
      ['a||b', '', ['b', 'ab']],
      ['(?:a|)*b', '', ['aab', 'b', 'c']],
      ['(?<=\\d{3})x(?<!1x)', '', ['12x', '123x', '221x', '222x']],
      ['(?<=^|[ab])(c)', 'i', ['xc', 'aC', 'c']],
      ['^(\\w+) \\1$', 'i', ['Foo foo', 'foo bar', 'ab AB\n']],
      ['a.c', '', ['a\nc', 'a\rc', 'a\u00ffc']],
      ['a.c', 's', ['a\nc']],
      ['x$', '', ['x\n', 'x\n\n', 'x']],
      ['x\\Z', '', ['x\n', 'x\n\n']],
      ['x\\z', '', ['x\n', 'x']],
      ['\\Ax', '', ['yx', 'x']],
      ['(a+?)(a*?)(b??)b', '', ['aaabb']],
      ['(\\d{2,3}?)(\\d{1,})', '', ['123456']],
      ['[]a-c\\x5d]+', '', ['x]b]d']],
      ['[^]x]+', '', [']]abc']],
      ['\\bfoo\\B', '', ['foo foox', 'xfoo']],
      ['\\x41\\x4\\0\\01z', '', ['A\u0004\u0000\u0001z']],
      ['\\S+\\s', '', ['\u00a0x y']],
    ];
    for (const [pattern, flags, subjects] of cases) {
      const r = await one(pattern, flags, subjects);
      const re = toJs(pattern, flags)!;
      const want = jsExecAll(re, subjects);
      expect({ pattern, got: subjects.map((_, s) => r.at(s).caps) }).toEqual({ pattern, got: want });
    }
    const from = await one('b(\\d)', '', ['b1 b2 b3'], 100000, 2);
    expect(from.at(0).caps).toEqual(['b2', '2']);
  });

  it('refuses malformed and unsupported patterns with null and a reason', async () => {
    const cases: [string, RegExp][] = [
      ['(abc', /missing \)/],
      ['abc)', /unmatched \)/],
      ['[abc', /missing terminating \]/],
      ['a{3,2}', /out of order/],
      ['*a', /quantifier does not follow/],
      ['a**', /nothing to repeat/],
      ['abc\\', /at end of pattern/],
      ['[z-a]', /range out of order/],
      ['\\2(a)', /non-existent group/],
      ['\\q', /unsupported escape \\q/],
      ['\\p{L}', /unsupported escape \\p/],
      ['(?<name>x)', /unsupported/],
      ['(?>x)', /unsupported/],
      ['a++', /possessive/],
      ['(?x) a', /unsupported inline flag/],
      ['(?<=a+)b', /not fixed length/],
      [`(?:${'x{1000}'.repeat(300)})`, /too large/],
    ];
    for (const [pattern, why] of cases) {
      const r = await one(pattern, '', ['a']);
      expect({ pattern, groups: r.groups, error: r.error }).toMatchObject({ pattern, groups: -1, error: expect.stringMatching(why) });
    }
  });
});
