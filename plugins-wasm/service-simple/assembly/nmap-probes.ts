// The opt-in nmap database: a parser for the text of a user-installed
// nmap-service-probes (format: https://nmap.org/book/vscan-fileformat.html)
// and nmap's version-template expansion ($1, $P(n), $SUBST(n,"a","b"), $I(n,">")).
// Nothing of nmap's file is bundled here: the host passes the user's copy as the
// config string `nmap_probes`. The text is untrusted: every line that does not
// parse is skipped and counted, sizes are capped, nothing traps.
import { hexVal, nowMs, sleepMs } from "@wasmap/sdk-assemblyscript";
import { METHOD_EXTRACTION, METHOD_MATCHING, Match } from "./matchers";
import { Regex, compileRegex } from "./pcre";

/** `data.service.source` of a result that came from nmap's database. */
export const NMAP_SOURCE = "nmap-service-probes";

// Texts above this are not parsed at all: the real file is ~2.5 M chars, and
// the config bytes, the text (2 bytes a char) and the parsed lines must fit
// in the 64 MB memory limit with the compiled patterns (a 6 M-char text of
// match lines does not).
export const MAX_TEXT: i32 = 4 << 20;
const MAX_PROBES: i32 = 1000;
const MAX_MATCHES: i32 = 20000; // the real file has ~11,900
const MAX_FIELD: i32 = 256; // chars of one expanded version field
// Compiled patterns kept per instance: all ~11,900 of nmap's file would not fit
// in the 64 MB memory limit; past this, a pattern is compiled for each use and dropped.
const MAX_KEPT_REGEX: i32 = 1500;

export class NmapMatch {
  soft: bool = false;
  service: string = "";
  pattern: string = "";
  flags: string = "";
  product: string = "";
  version: string = "";
  info: string = "";
  hostname: string = "";
  ostype: string = "";
  devicetype: string = "";
  cpe: string[] = new Array<string>(0);
  /** Compiled on first use and kept while the cache has room. */
  re: Regex | null = null;
  /** 0 never compiled, 1 compiles (kept in `re` or not), 2 does not compile. */
  state: u8 = 0;
}

export class NmapProbe {
  tcp: bool = true;
  name: string = "";
  payload: Uint8Array = new Uint8Array(0);
  /** Inclusive ranges as flat pairs lo,hi. */
  ports: i32[] = new Array<i32>(0);
  sslports: i32[] = new Array<i32>(0);
  /** nmap treats a probe without `rarity` as always sent; we use 1 as it does for NULL. */
  rarity: i32 = 1;
  totalwaitms: i32 = 0;
  tcpwrappedms: i32 = 0;
  fallbackNames: string[] = new Array<string>(0);
  /** Resolved fallbacks; for TCP probes NULL is always the last (nmap does so implicitly). */
  fallbacks: NmapProbe[] = new Array<NmapProbe>(0);
  matches: NmapMatch[] = new Array<NmapMatch>(0);

  forPort(port: i32): bool { return inRanges(this.ports, port); }
  forSslPort(port: i32): bool { return inRanges(this.sslports, port); }

  /** True when a hard match of this probe can name `service` (nmap's rule after a softmatch). */
  canIdentify(service: string): bool {
    if (hardFor(this.matches, service)) return true;
    for (let i = 0; i < this.fallbacks.length; i++) if (hardFor(this.fallbacks[i].matches, service)) return true;
    return false;
  }
}

export class NmapDb {
  probes: NmapProbe[] = new Array<NmapProbe>(0);
  matchCount: i32 = 0;
  softCount: i32 = 0;
  /** Lines that did not parse (or exceeded a cap). */
  skipped: i32 = 0;
  compiledOk: i32 = 0;
  compileFailed: i32 = 0;
  kept: i32 = 0;
  /** Replies whose matching ran out of time. */
  outOfTime: i32 = 0;
  /** Regex runs stopped at pcre's step cap (a catastrophic pattern or a hostile reply). */
  aborted: i32 = 0;
  /** Set when the text was refused whole (too large). */
  refused: bool = false;
  exclude: i32[] = new Array<i32>(0);

  probe(name: string): NmapProbe | null {
    for (let i = 0; i < this.probes.length; i++) if (this.probes[i].name == name) return this.probes[i];
    return null;
  }
}

// The host stops a plugin that computes for cpu_ms (1 s) without waiting:
// parsing 2.5 MB and compiling thousands of patterns can take longer, so
// long loops pause 1 ms every BREATHE_MS, which ends the stretch.
const BREATHE_MS: i64 = 200;
let lastBreath: i64 = 0;

function breathe(): void {
  const now = nowMs();
  if (lastBreath == 0 || now - lastBreath < BREATHE_MS) { if (lastBreath == 0) lastBreath = now; return; }
  sleepMs(1);
  lastBreath = nowMs();
}

/** Marks the start of a computing stretch (an invocation, a reply just read). */
export function breathStart(): void { lastBreath = nowMs(); }

function hardFor(ms: NmapMatch[], service: string): bool {
  for (let i = 0; i < ms.length; i++) if (!ms[i].soft && ms[i].service == service) return true;
  return false;
}

function inRanges(r: i32[], port: i32): bool {
  for (let i = 0; i + 1 < r.length; i += 2) if (port >= r[i] && port <= r[i + 1]) return true;
  return false;
}

/** A non-negative int of at most 9 digits, -1 otherwise. */
function smallInt(s: string): i32 {
  if (s.length == 0 || s.length > 9) return -1;
  let n: i32 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/** `1,5-10,T:80` style list into ranges; false when malformed. */
function parsePorts(list: string, out: i32[]): bool {
  const parts = list.split(",");
  for (let i = 0; i < parts.length; i++) {
    let p = parts[i].trim();
    if (p.startsWith("T:") || p.startsWith("U:")) p = p.substring(2);
    if (p.length == 0) continue;
    const dash = p.indexOf("-");
    const lo = smallInt(dash < 0 ? p : p.substring(0, dash));
    const hi = dash < 0 ? lo : smallInt(p.substring(dash + 1));
    if (lo < 0 || hi < lo || hi > 65535) return false;
    out.push(lo);
    out.push(hi);
  }
  return true;
}

/** C-style escapes of a probe string (\\0 \\a \\b \\f \\n \\r \\t \\v \\xHH, \\<c> = c) into bytes; chars keep their low 8 bits. */
export function unescapeProbe(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c == 0x5c && i + 1 < s.length) {
      const e = s.charCodeAt(++i);
      if (e == 0x30) c = 0;
      else if (e == 0x61) c = 7;
      else if (e == 0x62) c = 8;
      else if (e == 0x66) c = 12;
      else if (e == 0x6e) c = 10;
      else if (e == 0x72) c = 13;
      else if (e == 0x74) c = 9;
      else if (e == 0x76) c = 11;
      else if (e == 0x78 && i + 2 < s.length && hexVal(s.charCodeAt(i + 1)) >= 0 && hexVal(s.charCodeAt(i + 2)) >= 0) {
        c = (hexVal(s.charCodeAt(i + 1)) << 4) | hexVal(s.charCodeAt(i + 2));
        i += 2;
      } else c = e;
    }
    out[n++] = <u8>c;
  }
  return out.slice(0, n);
}

/** `Probe TCP name q|payload|` (plus an optional trailing `no-payload`, which nmap ignores for TCP). */
function parseProbe(rest: string): NmapProbe | null {
  const sp1 = rest.indexOf(" ");
  if (sp1 < 0) return null;
  const proto = rest.substring(0, sp1);
  if (proto != "TCP" && proto != "UDP") return null;
  const sp2 = rest.indexOf(" ", sp1 + 1);
  if (sp2 < 0) return null;
  const name = rest.substring(sp1 + 1, sp2);
  if (name.length == 0) return null;
  const q = rest.substring(sp2 + 1);
  if (q.length < 3 || q.charAt(0) != "q") return null;
  const d = q.charAt(1);
  const end = q.indexOf(d, 2);
  if (end < 0) return null;
  const p = new NmapProbe();
  p.tcp = proto == "TCP";
  p.name = name;
  p.payload = unescapeProbe(q.substring(2, end));
  return p;
}

/** The value between delimiters starting at `at` (the delimiter's index), or null; `endOut[0]` gets the index after the closing one. */
function delimited(s: string, at: i32, endOut: i32[]): string | null {
  if (at >= s.length) return null;
  const d = s.charAt(at);
  const end = s.indexOf(d, at + 1);
  if (end < 0) return null;
  endOut[0] = end + 1;
  return s.substring(at + 1, end);
}

/** `<service> m<d>pattern<d>[flags] <versioninfo>` */
export function parseMatch(rest: string, soft: bool): NmapMatch | null {
  const sp = rest.indexOf(" ");
  if (sp <= 0) return null;
  const m = new NmapMatch();
  m.soft = soft;
  m.service = rest.substring(0, sp);
  if (sp + 1 >= rest.length || rest.charAt(sp + 1) != "m") return null;
  const end: i32[] = [0];
  const pat = delimited(rest, sp + 2, end);
  if (pat === null) return null;
  m.pattern = pat;
  let i = end[0];
  while (i < rest.length && (rest.charAt(i) == "i" || rest.charAt(i) == "s")) {
    m.flags += rest.charAt(i);
    i++;
  }
  // the version fields: p/…/ v/…/ i/…/ h/…/ o/…/ d/…/ cpe:/…/[a], any delimiter
  while (i < rest.length) {
    const c = rest.charAt(i);
    if (c == " " || c == "\t") { i++; continue; }
    if (rest.startsWith("cpe:", i)) {
      const v = delimited(rest, i + 4, end);
      if (v === null) break;
      i = end[0];
      if (i < rest.length && rest.charAt(i) == "a") i++;
      m.cpe.push("cpe:/" + v);
      continue;
    }
    const v = delimited(rest, i + 1, end);
    if (v === null) break;
    i = end[0];
    if (c == "p") m.product = v;
    else if (c == "v") m.version = v;
    else if (c == "i") m.info = v;
    else if (c == "h") m.hostname = v;
    else if (c == "o") m.ostype = v;
    else if (c == "d") m.devicetype = v;
    // unknown field letters are skipped, as nmap's newer fields would be
  }
  return m;
}

/** Parses the whole text; never traps. */
export function parseNmapProbes(text: string): NmapDb {
  const db = new NmapDb();
  if (text.length > MAX_TEXT) { db.refused = true; return db; }
  let cur: NmapProbe | null = null;
  let pos = 0;
  let lines = 0;
  breathStart();
  while (pos < text.length) {
    if ((++lines & 1023) == 0) breathe();
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    let line = text.substring(pos, nl);
    pos = nl + 1;
    if (line.endsWith("\r")) line = line.substring(0, line.length - 1);
    if (line.length == 0 || line.charAt(0) == "#") continue;
    const sp = line.indexOf(" ");
    const word = sp < 0 ? line : line.substring(0, sp);
    const rest = sp < 0 ? "" : line.substring(sp + 1).trimStart();
    if (word == "Probe") {
      const p = parseProbe(rest);
      if (p === null || db.probes.length >= MAX_PROBES) { db.skipped++; cur = null; continue; }
      db.probes.push(p);
      cur = p;
    } else if (word == "Exclude") {
      if (!parsePorts(rest, db.exclude)) db.skipped++;
    } else if (cur === null) {
      db.skipped++;
    } else if (word == "match" || word == "softmatch") {
      const m = db.matchCount + db.softCount < MAX_MATCHES ? parseMatch(rest, word == "softmatch") : null;
      if (m === null) { db.skipped++; continue; }
      cur.matches.push(m);
      if (m.soft) db.softCount++; else db.matchCount++;
    } else if (word == "ports") {
      if (!parsePorts(rest, cur.ports)) db.skipped++;
    } else if (word == "sslports") {
      if (!parsePorts(rest, cur.sslports)) db.skipped++;
    } else if (word == "rarity") {
      const r = smallInt(rest.trim());
      if (r < 1 || r > 9) db.skipped++; else cur.rarity = r;
    } else if (word == "totalwaitms") {
      const r = smallInt(rest.trim());
      if (r < 0) db.skipped++; else cur.totalwaitms = r;
    } else if (word == "tcpwrappedms") {
      const r = smallInt(rest.trim());
      if (r < 0) db.skipped++; else cur.tcpwrappedms = r;
    } else if (word == "fallback") {
      const names = rest.split(",");
      for (let i = 0; i < names.length; i++) if (names[i].trim().length > 0) cur.fallbackNames.push(names[i].trim());
    } else {
      db.skipped++;
    }
  }
  const nul = db.probe("NULL");
  for (let i = 0; i < db.probes.length; i++) {
    const p = db.probes[i];
    for (let j = 0; j < p.fallbackNames.length; j++) {
      const f = db.probe(p.fallbackNames[j]);
      if (f !== null && f !== p && !p.fallbacks.includes(f)) p.fallbacks.push(f);
    }
    if (p.tcp && nul !== null && nul !== p && !p.fallbacks.includes(nul)) p.fallbacks.push(nul);
  }
  return db;
}

// --- the cache: one parse per instance, keyed by the text's length and hash

let cachedText: string | null = null;
let cachedLen: i32 = -1;
let cachedHash: u32 = 0;
let cachedDb: NmapDb | null = null;

function fnv1a(s: string): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < s.length; i++) h = (h ^ <u32>s.charCodeAt(i)) * 16777619;
  return h;
}

/** The parsed database for `text`, parsing only when it differs from the last one. */
export function nmapDb(text: string): NmapDb {
  const db = cachedDb;
  if (db !== null && cachedText === text) return db;
  const h = fnv1a(text);
  if (db !== null && cachedLen == text.length && cachedHash == h) { cachedText = text; return db; }
  const fresh = parseNmapProbes(text);
  cachedText = text;
  cachedLen = text.length;
  cachedHash = h;
  cachedDb = fresh;
  return fresh;
}

/**
 * The text arrives decoded from UTF-8 (--plugin-config-file), but nmap
 * matches bytes: a pattern with non-ASCII text (e.g. "Ostrzeżenie") is
 * matched as its UTF-8 bytes, each one char of a latin1 subject.
 */
function asUtf8Bytes(pattern: string): string {
  let ascii = true;
  for (let i = 0; i < pattern.length && ascii; i++) if (pattern.charCodeAt(i) >= 0x80) ascii = false;
  if (ascii) return pattern;
  const bytes = Uint8Array.wrap(String.UTF8.encode(pattern));
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = String.fromCharCode(bytes[i]);
  return parts.join("");
}

/** The match's regex, compiled once; null when it does not compile (counted once). */
export function regexOf(db: NmapDb, m: NmapMatch): Regex | null {
  if (m.state == 2) return null;
  if (m.re !== null) return m.re;
  const re = compileRegex(asUtf8Bytes(m.pattern), m.flags);
  if (m.state == 0) {
    if (re === null) db.compileFailed++; else db.compiledOk++;
  }
  m.state = re === null ? 2 : 1;
  if (re !== null && db.kept < MAX_KEPT_REGEX) { m.re = re; db.kept++; }
  return re;
}

// --- version templates

function groupAt(groups: string[], n: i32): string { return n >= 1 && n < groups.length ? groups[n] : ""; }

/** Reads `(n` … `)` arguments: returns the index after `)` or -1; args get the raw comma-split parts. */
function readArgs(t: string, at: i32, args: string[]): i32 {
  if (at >= t.length || t.charAt(at) != "(") return -1;
  let i = at + 1;
  let cur = "";
  let quoted = false;
  while (i < t.length) {
    const c = t.charAt(i);
    if (quoted) {
      if (c == "\"") quoted = false; else cur += c;
    } else if (c == "\"") quoted = true;
    else if (c == ",") { args.push(cur); cur = ""; }
    else if (c == ")") { args.push(cur); return i + 1; }
    else if (c != " ") cur += c;
    i++;
  }
  return -1;
}

/** The unsigned integer a group's bytes spell, big- (">") or little-endian ("<"); at most 8 bytes. */
function unpackInt(g: string, order: string): string {
  if (g.length == 0 || g.length > 8) return "";
  let v: u64 = 0;
  for (let k = 0; k < g.length; k++) {
    const idx = order == "<" ? g.length - 1 - k : k;
    v = (v << 8) | <u64>(g.charCodeAt(idx) & 0xff);
  }
  return v.toString();
}

/**
 * Fills a version template with the regex groups (index 0 = whole match).
 * Unknown or malformed `$` forms are kept as text; the result is capped.
 */
export function expandTemplate(t: string, groups: string[]): string {
  let out = "";
  let i = 0;
  while (i < t.length && out.length < MAX_FIELD) {
    const c = t.charAt(i);
    if (c != "$" || i + 1 >= t.length) { out += c; i++; continue; }
    const d = t.charCodeAt(i + 1);
    if (d >= 0x31 && d <= 0x39) { out += groupAt(groups, d - 0x30); i += 2; continue; }
    const args = new Array<string>(0);
    if (t.startsWith("P(", i + 1)) {
      const end = readArgs(t, i + 2, args);
      if (end > 0 && args.length == 1) {
        const g = groupAt(groups, smallInt(args[0]));
        for (let k = 0; k < g.length; k++) {
          const ch = g.charCodeAt(k);
          if (ch >= 0x20 && ch < 0x7f) out += String.fromCharCode(ch);
        }
        i = end;
        continue;
      }
    } else if (t.startsWith("SUBST(", i + 1)) {
      const end = readArgs(t, i + 6, args);
      if (end > 0 && args.length == 3) {
        const g = groupAt(groups, smallInt(args[0]));
        out += args[1].length > 0 ? g.replaceAll(args[1], args[2]) : g;
        i = end;
        continue;
      }
    } else if (t.startsWith("I(", i + 1)) {
      const end = readArgs(t, i + 2, args);
      if (end > 0 && args.length == 2) {
        out += unpackInt(groupAt(groups, smallInt(args[0])), args[1]);
        i = end;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out.length > MAX_FIELD ? out.substring(0, MAX_FIELD) : out;
}

// --- probing order and matching

/**
 * nmap's order for a TCP port: NULL first, then the probes whose `ports` list
 * the port (whatever their rarity, as nmap does), then the rest in file order
 * up to `intensity`. Empty when the file's `Exclude` names the port.
 */
export function nmapOrder(db: NmapDb, port: i32, intensity: i32): NmapProbe[] {
  const out = new Array<NmapProbe>(0);
  if (inRanges(db.exclude, port)) return out;
  const nul = db.probe("NULL");
  if (nul !== null && nul.tcp) out.push(nul);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < db.probes.length; i++) {
      const p = db.probes[i];
      if (!p.tcp || out.includes(p)) continue;
      if (pass == 0 ? p.forPort(port) : p.rarity <= intensity) out.push(p);
    }
  }
  return out;
}

/** A line whose product comes from the reply itself (`p/$1/`): our own database tries it after the hand-written matchers. */
export function isGeneric(m: NmapMatch): bool { return m.product.startsWith("$"); }

function expandCpe(t: string, groups: string[]): string {
  let c = expandTemplate(t, groups);
  // a template whose version group is empty leaves a trailing ":"
  while (c.endsWith(":")) c = c.substring(0, c.length - 1);
  return c;
}

/**
 * A match line filled from the regex groups. From nmap's file (`source`
 * NMAP_SOURCE) every match is probe_matching, as before; from our own
 * database (`source` "") a softmatch, or a line whose product is taken from
 * the reply (`p/$1/`), is probe_extraction.
 */
export function toMatch(m: NmapMatch, g: string[], source: string = NMAP_SOURCE): Match {
  const r = m.soft ? Match.soft(m.service) : new Match(m.service);
  r.method = source.length == 0 && (m.soft || isGeneric(m)) ? METHOD_EXTRACTION : METHOD_MATCHING;
  r.source = source;
  r.product = expandTemplate(m.product, g);
  r.version = expandTemplate(m.version, g);
  r.extrainfo = expandTemplate(m.info, g);
  r.hostname = expandTemplate(m.hostname, g);
  r.ostype = expandTemplate(m.ostype, g);
  r.devicetype = expandTemplate(m.devicetype, g);
  for (let i = 0; i < m.cpe.length; i++) r.cpe.push(expandCpe(m.cpe[i], g));
  return r;
}

/**
 * A reply to probe `p` against its matches, then its fallbacks' (NULL last):
 * the first hard match wins; failing that, the first softmatch (nmap goes on
 * looking for a hard match after a softmatch, so do we). With `only`, just
 * the lines for that service (the one a softmatch or our own match named).
 * Past `deadline` it gives up with what it has.
 */
export function matchNmapReply(db: NmapDb, p: NmapProbe, subject: string, only: string, deadline: i64): Match | null {
  let soft: Match | null = null;
  for (let k = -1; k < p.fallbacks.length; k++) {
    const ms = k < 0 ? p.matches : p.fallbacks[k].matches;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i];
      if (soft !== null && m.soft) continue;
      if (only.length > 0 && m.service != only) continue;
      // each run is capped in steps, but thousands of capped runs on a hostile reply would outlast the wall limit
      if (nowMs() >= deadline) { db.outOfTime++; return soft; }
      breathe();
      const re = regexOf(db, m);
      if (re === null) continue;
      const g = re.exec(subject);
      if (re.aborted) db.aborted++;
      if (g === null) continue;
      const r = toMatch(m, g);
      if (!m.soft) return r;
      soft = r;
    }
  }
  return soft;
}
