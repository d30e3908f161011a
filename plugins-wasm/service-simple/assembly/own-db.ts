// Our own probe and match database (db/service-db.txt, compiled in as
// assembly/service-db.ts): parsed once per instance with the same parser as
// the user's opt-in nmap file, and matched in two passes around the
// hand-written matchers of matchers.ts (specific lines before them, lines
// that take the product from the reply and softmatches after them).
import { Match } from "./matchers";
import { NmapDb, NmapMatch, NmapProbe, isGeneric, parseNmapProbes, regexOf, toMatch } from "./nmap-probes";
import { SERVICE_DB } from "./service-db";

let db: NmapDb | null = null;

/** The parsed database (parsed on first use: no work at instantiation). */
export function ownDb(): NmapDb {
  let d = db;
  if (d === null) {
    d = parseNmapProbes(SERVICE_DB);
    db = d;
  }
  return d;
}

/** Lines that name a product of their own, tried before the hand-written matchers. */
export const PASS_SPECIFIC: i32 = 0;
/** Lines that take the product from the reply, then softmatches: tried after them. */
export const PASS_GENERIC: i32 = 1;

function inPass(m: NmapMatch, pass: i32): bool {
  if (pass == PASS_SPECIFIC) return !m.soft && !isGeneric(m);
  return m.soft || isGeneric(m);
}

/**
 * A reply to probe `probe` against that probe's lines, then its fallbacks'
 * (NULL's last: greetings are recognised whatever was sent). The first hard
 * match of the pass wins; else the first softmatch (PASS_GENERIC only).
 */
export function matchOwn(probe: string, subject: string, pass: i32): Match | null {
  const d = ownDb();
  const p = d.probe(probe);
  if (p === null) return null;
  let soft: Match | null = null;
  for (let k = -1; k < p.fallbacks.length; k++) {
    const lines = k < 0 ? p.matches : p.fallbacks[k].matches;
    for (let i = 0; i < lines.length; i++) {
      const m = lines[i];
      if (!inPass(m, pass) || (m.soft && soft !== null)) continue;
      const re = regexOf(d, m);
      if (re === null) continue;
      const g = re.exec(subject);
      if (g === null) continue;
      const r = toMatch(m, g, "");
      if (!m.soft) return r;
      soft = r;
    }
  }
  return soft;
}

/** Services a hard line of `p` (or of a fallback it names, not NULL's) can identify. */
export function servicesOf(p: NmapProbe): string[] {
  const out = new Array<string>(0);
  for (let k = -1; k < p.fallbacks.length; k++) {
    const f = k < 0 ? p : p.fallbacks[k];
    if (k >= 0 && f.name == "NULL") continue;
    for (let i = 0; i < f.matches.length; i++) {
      const s = f.matches[i].service;
      if (!out.includes(s)) out.push(s);
    }
  }
  return out;
}
