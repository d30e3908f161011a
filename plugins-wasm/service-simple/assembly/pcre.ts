// A small backtracking regex engine for the PCRE subset nmap-service-probes
// uses (AssemblyScript has no regex). Subjects are latin1: one char = one byte.
//
// Pattern -> AST (recursive descent, nesting bounded) -> flat program ->
// backtracking VM with an explicit stack. Every executed instruction costs a
// step; past `maxSteps` the exec gives up (`aborted`), so a hostile reply can
// cost time but never a trap. Lookarounds run as sub-programs (their nesting
// is bounded by the pattern, never by the subject).

import { hexVal } from "@wasmap/sdk-assemblyscript";

/** The step budget per exec; exported so the caller can lower it. */
export let maxSteps: i32 = 100000;

const MAX_NESTING: i32 = 100;
const MAX_PROGRAM: i32 = 200000;
const MAX_REPEAT: i32 = 65535; // PCRE's own limit; MAX_PROGRAM bounds the expansion

// AST node kinds
const N_EMPTY: i32 = 0;
const N_CHAR: i32 = 1;
const N_CLASS: i32 = 2;
const N_SEQ: i32 = 3;
const N_ALT: i32 = 4;
const N_GROUP: i32 = 5; // capturing (a = group index)
const N_REPEAT: i32 = 6;
const N_ASSERT: i32 = 7;
const N_BACKREF: i32 = 8;
const N_LOOK: i32 = 9;

// assertions (N_ASSERT.a and OP_ASSERT operand)
const A_BOS: i32 = 0; // ^ \A
const A_EOL: i32 = 1; // $ \Z: end, or before a final \n
const A_EOS: i32 = 2; // \z
const A_WORDB: i32 = 3;
const A_NWORDB: i32 = 4;
const A_BOL_M: i32 = 5; // ^ with (?m)
const A_EOL_M: i32 = 6; // $ with (?m)

// opcodes
const OP_CHAR: i32 = 0; // a = char code
const OP_CLASS: i32 = 1; // a = class index
const OP_SPLIT: i32 = 2; // try a, else b
const OP_JMP: i32 = 3; // a
const OP_SAVE: i32 = 4; // slot a = pos
const OP_ASSERT: i32 = 5; // a = kind
const OP_BACKREF: i32 = 6; // a = group, b = case-insensitive
const OP_LOOK: i32 = 7; // a = look index
const OP_MATCH: i32 = 8;
const OP_MARK: i32 = 9; // reg slot a = pos (loop entry)
const OP_PROGRESS: i32 = 10; // fail if pos == reg slot a (empty iteration)
const OP_ENDAT: i32 = 11; // lookbehind: succeed only when pos == target

class Node {
  kind: i32;
  a: i32 = 0; // char, class index, group index, assert kind, min
  b: i32 = 0; // max (-1 = unbounded), case-insensitive backref, look flags
  greedy: bool = true;
  kids: Array<Node> = new Array<Node>(0);
  constructor(kind: i32) { this.kind = kind; }
}

class Look {
  start: i32 = 0; // program index of the sub-program
  behind: bool = false;
  neg: bool = false;
  minLen: i32 = 0;
  maxLen: i32 = 0;
}

let lastError: string = "";

/** Why the last compileRegex returned null. */
export function compileError(): string { return lastError; }

function isWordChar(c: i32): bool {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95;
}

function newClass(): StaticArray<u32> { return new StaticArray<u32>(8); }
function classSet(cl: StaticArray<u32>, c: i32): void { cl[c >> 5] |= (<u32>1) << (<u32>(c & 31)); }
function classHas(cl: StaticArray<u32>, c: i32): bool { return (cl[c >> 5] & ((<u32>1) << (<u32>(c & 31)))) != 0; }
function classRange(cl: StaticArray<u32>, lo: i32, hi: i32): void { for (let c = lo; c <= hi; c++) classSet(cl, c); }
function classNegate(cl: StaticArray<u32>): void { for (let i = 0; i < 8; i++) cl[i] = ~cl[i]; }
function classUnion(to: StaticArray<u32>, from: StaticArray<u32>): void { for (let i = 0; i < 8; i++) to[i] |= from[i]; }

/** The class of \d \w \s \v \h (and negated for upper case); null if `e` is none. */
function escapeClass(e: i32): StaticArray<u32> | null {
  const cl = newClass();
  const lower = e | 32;
  if (lower == 100) classRange(cl, 48, 57); // d
  else if (lower == 119) { classRange(cl, 48, 57); classRange(cl, 65, 90); classRange(cl, 97, 122); classSet(cl, 95); } // w
  else if (lower == 115) { classRange(cl, 9, 13); classSet(cl, 32); } // s (PCRE2: includes VT)
  else if (lower == 118) { classRange(cl, 10, 13); classSet(cl, 0x85); } // v: vertical space
  else if (lower == 104) { classSet(cl, 9); classSet(cl, 32); classSet(cl, 0xa0); } // h: horizontal space
  else return null;
  if (e != lower) classNegate(cl);
  return cl;
}

class Parser {
  p: string;
  i: i32 = 0;
  ci: bool = false;
  dotall: bool = false;
  multiline: bool = false;
  ungreedy: bool = false;
  groups: i32 = 0;
  depth: i32 = 0;
  maxBackref: i32 = 0;
  err: string = "";
  classes: Array<StaticArray<u32>> = new Array<StaticArray<u32>>(0);

  constructor(p: string) { this.p = p; }

  fail(msg: string): Node | null {
    if (this.err.length == 0) this.err = msg + " at offset " + this.i.toString();
    return null;
  }
  get end(): bool { return this.i >= this.p.length; }
  peek(): i32 { return this.i < this.p.length ? this.p.charCodeAt(this.i) : -1; }

  addClass(cl: StaticArray<u32>): Node {
    if (this.ci) {
      for (let c = 65; c <= 90; c++) {
        if (classHas(cl, c) || classHas(cl, c + 32)) { classSet(cl, c); classSet(cl, c + 32); }
      }
    }
    const n = new Node(N_CLASS);
    n.a = this.classes.length;
    this.classes.push(cl);
    return n;
  }

  charNode(c: i32): Node {
    if (this.ci && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) {
      const cl = newClass();
      classSet(cl, c);
      return this.addClass(cl);
    }
    const n = new Node(N_CHAR);
    n.a = c;
    return n;
  }

  /** alternation := seq ('|' seq)* ; flags set inside a group end with it */
  parseAlt(): Node | null {
    const saveCi = this.ci, saveDot = this.dotall, saveMl = this.multiline, saveUg = this.ungreedy;
    const alts = new Array<Node>(0);
    for (;;) {
      const s = this.parseSeq();
      if (s === null) return null;
      alts.push(s);
      if (this.peek() != 124) break; // |
      this.i++;
    }
    this.ci = saveCi; this.dotall = saveDot; this.multiline = saveMl; this.ungreedy = saveUg;
    if (alts.length == 1) return alts[0];
    const n = new Node(N_ALT);
    n.kids = alts;
    return n;
  }

  parseSeq(): Node | null {
    const items = new Array<Node>(0);
    while (!this.end) {
      const c = this.peek();
      if (c == 124 || c == 41) break; // | )
      const atom = this.parseAtom();
      if (atom === null) {
        if (this.err.length > 0) return null;
        continue; // an inline flag group: no node
      }
      const q = this.parseQuantifier(atom);
      if (q === null) return null;
      items.push(q);
    }
    if (items.length == 0) return new Node(N_EMPTY);
    if (items.length == 1) return items[0];
    const n = new Node(N_SEQ);
    n.kids = items;
    return n;
  }

  /** Reads digits; -1 when there are none. */
  readInt(): i32 {
    let v: i32 = -1;
    while (!this.end) {
      const c = this.peek();
      if (c < 48 || c > 57) break;
      v = (v < 0 ? 0 : v) * 10 + (c - 48);
      if (v > 100000) v = 100000;
      this.i++;
    }
    return v;
  }

  parseQuantifier(atom: Node): Node | null {
    if (this.end) return atom;
    let c = this.peek();
    let min: i32 = -1, max: i32 = -1;
    const at = this.i;
    if (c == 42) { min = 0; max = -1; this.i++; } // *
    else if (c == 43) { min = 1; max = -1; this.i++; } // +
    else if (c == 63) { min = 0; max = 1; this.i++; } // ?
    else if (c == 123) { // {n} {n,} {n,m}; anything else is a literal brace
      this.i++;
      const lo = this.readInt();
      if (lo >= 0) {
        if (this.peek() == 125) { min = lo; max = lo; this.i++; }
        else if (this.peek() == 44) {
          this.i++;
          const hi = this.readInt();
          if (this.peek() == 125) { min = lo; max = hi; this.i++; }
        }
      }
      if (min < 0) { this.i = at; return atom; }
      if (max >= 0 && max < min) return this.fail("numbers out of order in {} quantifier");
      if (min > MAX_REPEAT || max > MAX_REPEAT) return this.fail("repeat count too large");
    } else return atom;
    if (atom.kind == N_ASSERT || atom.kind == N_LOOK) {
      // PCRE allows quantified assertions; {0,..} makes them optional, else once is enough
      if (min == 0) { min = 0; max = 1; } else { min = 1; max = 1; }
    }
    let greedy = true;
    c = this.peek();
    if (c == 63) { greedy = false; this.i++; }
    else if (c == 43) return this.fail("possessive quantifiers are not supported");
    if (this.ungreedy) greedy = !greedy;
    const n = new Node(N_REPEAT);
    n.a = min;
    n.b = max;
    n.greedy = greedy;
    n.kids.push(atom);
    if (!this.end) {
      const d = this.peek();
      if (d == 42 || d == 43 || d == 63) return this.fail("nothing to repeat");
    }
    return n;
  }

  /** One escape after '\' outside a class. */
  parseEscape(): Node | null {
    if (this.end) return this.fail("\\ at end of pattern");
    const e = this.peek();
    this.i++;
    const cl = escapeClass(e);
    if (cl !== null) return this.addClass(cl);
    if (e == 98 || e == 66) { const n = new Node(N_ASSERT); n.a = e == 98 ? A_WORDB : A_NWORDB; return n; } // \b \B
    if (e == 65) { const n = new Node(N_ASSERT); n.a = A_BOS; return n; } // \A
    if (e == 90) { const n = new Node(N_ASSERT); n.a = A_EOL; return n; } // \Z
    if (e == 122) { const n = new Node(N_ASSERT); n.a = A_EOS; return n; } // \z
    if (e >= 49 && e <= 57) { // \1..\9 (a second digit would be octal or a group >= 10)
      const d = this.peek();
      if (d >= 48 && d <= 57) return this.fail("backreferences above \\9 or octal escapes are not supported");
      const n = new Node(N_BACKREF);
      n.a = e - 48;
      n.b = this.ci ? 1 : 0;
      if (n.a > this.maxBackref) this.maxBackref = n.a;
      return n;
    }
    const v = this.escapeChar(e);
    if (v < 0) return null;
    return this.charNode(v);
  }

  /** A single-char escape (already consumed `e`); -1 with err set when unknown. */
  escapeChar(e: i32): i32 {
    if (e == 110) return 10; // n
    if (e == 114) return 13; // r
    if (e == 116) return 9; // t
    if (e == 102) return 12; // f
    if (e == 101) return 27; // e
    if (e == 97) return 7; // a
    if (e == 48) { // \0 plus up to two more octal digits
      let v = 0;
      for (let k = 0; k < 2; k++) {
        const d = this.peek();
        if (d < 48 || d > 55) break;
        v = v * 8 + (d - 48);
        this.i++;
      }
      return v;
    }
    if (e == 120) { // \xH, \xHH, \x{HH}
      if (this.peek() == 123) {
        this.i++;
        let v = 0, n = 0;
        while (!this.end && this.peek() != 125) {
          const h = hexVal(this.peek());
          if (h < 0) { this.fail("bad \\x{...}"); return -1; }
          v = v * 16 + h; n++; this.i++;
          if (v > 255) { this.fail("character value above \\xff"); return -1; }
        }
        if (this.end || n == 0) { this.fail("bad \\x{...}"); return -1; }
        this.i++;
        return v;
      }
      let v = 0;
      for (let k = 0; k < 2; k++) {
        const h = hexVal(this.peek());
        if (h < 0) break;
        v = v * 16 + h;
        this.i++;
      }
      return v;
    }
    if (e == 99) { // \cX
      if (this.end) { this.fail("\\c at end of pattern"); return -1; }
      let x = this.peek();
      this.i++;
      if (x >= 97 && x <= 122) x -= 32;
      return x ^ 0x40;
    }
    if ((e >= 65 && e <= 90) || (e >= 97 && e <= 122) || (e >= 48 && e <= 57)) {
      this.i--;
      this.fail("unsupported escape \\" + String.fromCharCode(e));
      return -1;
    }
    return e; // escaped punctuation or any other byte: itself
  }

  parseClass(): Node | null {
    // after '['
    const cl = newClass();
    let neg = false;
    if (this.peek() == 94) { neg = true; this.i++; }
    let first = true;
    for (;;) {
      if (this.end) return this.fail("missing terminating ] for character class");
      let c = this.peek();
      if (c == 93 && !first) { this.i++; break; }
      first = false;
      if (c == 91 && this.i + 1 < this.p.length && this.p.charCodeAt(this.i + 1) == 58) {
        // [:alpha:] POSIX classes
        const close = this.p.indexOf(":]", this.i + 2);
        if (close > 0) {
          const pc = this.posixClass(this.p.substring(this.i + 2, close));
          if (pc === null) return this.fail("unknown POSIX class");
          classUnion(cl, pc);
          this.i = close + 2;
          continue;
        }
      }
      let lo: i32 = -1;
      this.i++;
      if (c == 92) { // escape
        if (this.end) return this.fail("\\ at end of pattern");
        const e = this.peek();
        this.i++;
        const ec = escapeClass(e);
        if (ec !== null) { classUnion(cl, ec); continue; }
        if (e == 98) lo = 8; // \b is backspace in a class
        else {
          lo = this.escapeChar(e);
          if (lo < 0) return null;
        }
      } else lo = c;
      // a range?
      if (this.peek() == 45 && this.i + 1 < this.p.length && this.p.charCodeAt(this.i + 1) != 93) {
        const save = this.i;
        this.i++;
        let hi: i32 = this.peek();
        this.i++;
        if (hi == 92) {
          if (this.end) return this.fail("\\ at end of pattern");
          const e = this.peek();
          this.i++;
          if (escapeClass(e) !== null) { // [a-\d]: '-' is literal
            this.i = save;
            classSet(cl, lo);
            continue;
          }
          hi = e == 98 ? 8 : this.escapeChar(e);
          if (hi < 0) return null;
        } else if (hi == 91 && this.i < this.p.length && this.p.charCodeAt(this.i) == 58) {
          this.i = save;
          classSet(cl, lo);
          continue;
        }
        if (hi < lo) return this.fail("range out of order in character class");
        if (hi > 255) return this.fail("character above \\xff in class");
        classRange(cl, lo, hi);
        continue;
      }
      if (lo > 255) return this.fail("character above \\xff in class");
      classSet(cl, lo);
    }
    if (this.ci) {
      for (let c = 65; c <= 90; c++) {
        if (classHas(cl, c) || classHas(cl, c + 32)) { classSet(cl, c); classSet(cl, c + 32); }
      }
    }
    if (neg) classNegate(cl);
    const n = new Node(N_CLASS);
    n.a = this.classes.length;
    this.classes.push(cl);
    return n;
  }

  posixClass(name: string): StaticArray<u32> | null {
    const cl = newClass();
    let neg = false;
    if (name.startsWith("^")) { neg = true; name = name.substring(1); }
    if (name == "alpha") { classRange(cl, 65, 90); classRange(cl, 97, 122); }
    else if (name == "digit") classRange(cl, 48, 57);
    else if (name == "alnum") { classRange(cl, 48, 57); classRange(cl, 65, 90); classRange(cl, 97, 122); }
    else if (name == "upper") classRange(cl, 65, 90);
    else if (name == "lower") classRange(cl, 97, 122);
    else if (name == "space") { classRange(cl, 9, 13); classSet(cl, 32); }
    else if (name == "xdigit") { classRange(cl, 48, 57); classRange(cl, 65, 70); classRange(cl, 97, 102); }
    else if (name == "punct") { classRange(cl, 33, 47); classRange(cl, 58, 64); classRange(cl, 91, 96); classRange(cl, 123, 126); }
    else if (name == "print") classRange(cl, 32, 126);
    else if (name == "graph") classRange(cl, 33, 126);
    else if (name == "cntrl") { classRange(cl, 0, 31); classSet(cl, 127); }
    else if (name == "word") { classRange(cl, 48, 57); classRange(cl, 65, 90); classRange(cl, 97, 122); classSet(cl, 95); }
    else if (name == "blank") { classSet(cl, 9); classSet(cl, 32); }
    else return null;
    if (neg) classNegate(cl);
    return cl;
  }

  /** Applies (?imsU-imsU) letters; false on an unknown one. */
  applyFlags(end: i32): bool {
    let on = true;
    while (this.i < end) {
      const f = this.peek();
      this.i++;
      if (f == 45) on = false;
      else if (f == 105) this.ci = on;
      else if (f == 115) this.dotall = on;
      else if (f == 109) this.multiline = on;
      else if (f == 85) this.ungreedy = on;
      else { this.i--; this.fail("unsupported inline flag"); return false; }
    }
    return true;
  }

  groupBody(): Node | null {
    this.depth++;
    if (this.depth > MAX_NESTING) return this.fail("parentheses nested too deeply");
    const body = this.parseAlt();
    this.depth--;
    if (body === null) return null;
    if (this.peek() != 41) return this.fail("missing )");
    this.i++;
    return body;
  }

  parseAtom(): Node | null {
    const c = this.peek();
    this.i++;
    if (c == 40) { // (
      if (this.peek() == 63) { // (?
        this.i++;
        const k = this.peek();
        if (k == 58) { this.i++; return this.groupBody(); } // (?:
        if (k == 61 || k == 33) { // (?= (?!
          this.i++;
          const body = this.groupBody();
          if (body === null) return null;
          const n = new Node(N_LOOK);
          n.b = k == 33 ? 1 : 0;
          n.kids.push(body);
          return n;
        }
        if (k == 60 && this.i + 1 < this.p.length) { // (?<= (?<!
          const k2 = this.p.charCodeAt(this.i + 1);
          if (k2 == 61 || k2 == 33) {
            this.i += 2;
            const body = this.groupBody();
            if (body === null) return null;
            const n = new Node(N_LOOK);
            n.b = (k2 == 33 ? 1 : 0) | 2;
            n.kids.push(body);
            return n;
          }
        }
        if (k == 35) { // (?# comment )
          const close = this.p.indexOf(")", this.i);
          if (close < 0) return this.fail("missing ) after comment");
          this.i = close + 1;
          return null;
        }
        // inline flags: (?i) for the rest of the group, or (?i:...) scoped
        let j = this.i;
        while (j < this.p.length) {
          const f = this.p.charCodeAt(j);
          if (f == 41 || f == 58) break;
          j++;
        }
        if (j >= this.p.length || j == this.i) return this.fail("unsupported group syntax (?" + (this.end ? "" : String.fromCharCode(k)));
        const colon = this.p.charCodeAt(j) == 58;
        if (colon) {
          const sCi = this.ci, sDot = this.dotall, sMl = this.multiline, sUg = this.ungreedy;
          if (!this.applyFlags(j)) return null;
          this.i = j + 1;
          const body = this.groupBody();
          this.ci = sCi; this.dotall = sDot; this.multiline = sMl; this.ungreedy = sUg;
          return body;
        }
        if (!this.applyFlags(j)) return null;
        this.i = j + 1;
        return null; // no node: the flags apply to what follows
      }
      const idx = ++this.groups;
      const body = this.groupBody();
      if (body === null) return null;
      const n = new Node(N_GROUP);
      n.a = idx;
      n.kids.push(body);
      return n;
    }
    if (c == 41) { this.i--; return this.fail("unmatched )"); }
    if (c == 91) return this.parseClass();
    if (c == 92) return this.parseEscape();
    if (c == 46) { // .
      const cl = newClass();
      classNegate(cl);
      if (!this.dotall) cl[0] &= ~((<u32>1) << 10);
      const n = new Node(N_CLASS);
      n.a = this.classes.length;
      this.classes.push(cl);
      return n;
    }
    if (c == 94) { const n = new Node(N_ASSERT); n.a = this.multiline ? A_BOL_M : A_BOS; return n; }
    if (c == 36) { const n = new Node(N_ASSERT); n.a = this.multiline ? A_EOL_M : A_EOL; return n; }
    if (c == 42 || c == 43 || c == 63) { this.i--; return this.fail("quantifier does not follow a repeatable item"); }
    if (c > 255) { this.i--; return this.fail("character above \\xff in pattern"); }
    return this.charNode(c);
  }
}

/** Min and max length a node can match (max -1 = unbounded). */
function minLen(n: Node): i32 {
  const k = n.kind;
  if (k == N_CHAR || k == N_CLASS) return 1;
  if (k == N_SEQ) { let s = 0; for (let i = 0; i < n.kids.length; i++) s += minLen(n.kids[i]); return s; }
  if (k == N_ALT) { let m = i32.MAX_VALUE; for (let i = 0; i < n.kids.length; i++) m = min(m, minLen(n.kids[i])); return m; }
  if (k == N_GROUP) return minLen(n.kids[0]);
  if (k == N_REPEAT) return n.a * minLen(n.kids[0]);
  return 0;
}

function maxLen(n: Node): i32 {
  const k = n.kind;
  if (k == N_CHAR || k == N_CLASS) return 1;
  if (k == N_SEQ || k == N_ALT) {
    let s = 0;
    for (let i = 0; i < n.kids.length; i++) {
      const m = maxLen(n.kids[i]);
      if (m < 0) return -1;
      s = k == N_SEQ ? s + m : max(s, m);
    }
    return s;
  }
  if (k == N_GROUP) return maxLen(n.kids[0]);
  if (k == N_REPEAT) {
    const m = maxLen(n.kids[0]);
    if (m == 0) return 0;
    if (n.b < 0 || m < 0) return -1;
    return n.b * m;
  }
  if (k == N_BACKREF) return -1;
  return 0;
}

/** The chars a match can start with; returns true when it may be empty. */
function firstChars(n: Node, set: StaticArray<u32>, classes: Array<StaticArray<u32>>): bool {
  const k = n.kind;
  if (k == N_CHAR) { classSet(set, n.a); return false; }
  if (k == N_CLASS) { classUnion(set, classes[n.a]); return false; }
  if (k == N_SEQ) {
    for (let i = 0; i < n.kids.length; i++) if (!firstChars(n.kids[i], set, classes)) return false;
    return true;
  }
  if (k == N_ALT) {
    let empty = false;
    for (let i = 0; i < n.kids.length; i++) if (firstChars(n.kids[i], set, classes)) empty = true;
    return empty;
  }
  if (k == N_GROUP) return firstChars(n.kids[0], set, classes);
  if (k == N_REPEAT) return firstChars(n.kids[0], set, classes) || n.a == 0;
  if (k == N_BACKREF) { for (let i = 0; i < 8; i++) set[i] = 0xffffffff; return true; }
  return true; // assertions and lookarounds consume nothing
}

class Compiler {
  op: Array<i32> = new Array<i32>(0);
  a: Array<i32> = new Array<i32>(0);
  b: Array<i32> = new Array<i32>(0);
  looks: Array<Look> = new Array<Look>(0);
  regs: i32 = 0;
  tooBig: bool = false;
  lookBodies: Array<Node> = new Array<Node>(0);

  emit(op: i32, a: i32, b: i32): i32 {
    const pc = this.op.length;
    if (pc >= MAX_PROGRAM) { this.tooBig = true; return pc; }
    this.op.push(op); this.a.push(a); this.b.push(b);
    return pc;
  }
  patchA(pc: i32, v: i32): void { if (pc < this.a.length) this.a[pc] = v; }
  patchB(pc: i32, v: i32): void { if (pc < this.b.length) this.b[pc] = v; }

  node(n: Node): void {
    if (this.tooBig) return;
    const k = n.kind;
    if (k == N_EMPTY) return;
    if (k == N_CHAR) { this.emit(OP_CHAR, n.a, 0); return; }
    if (k == N_CLASS) { this.emit(OP_CLASS, n.a, 0); return; }
    if (k == N_SEQ) { for (let i = 0; i < n.kids.length; i++) this.node(n.kids[i]); return; }
    if (k == N_ALT) {
      const jumps = new Array<i32>(0);
      for (let i = 0; i < n.kids.length; i++) {
        if (i < n.kids.length - 1) {
          const split = this.emit(OP_SPLIT, 0, 0);
          this.patchA(split, this.op.length);
          this.node(n.kids[i]);
          jumps.push(this.emit(OP_JMP, 0, 0));
          this.patchB(split, this.op.length);
        } else this.node(n.kids[i]);
      }
      for (let i = 0; i < jumps.length; i++) this.patchA(jumps[i], this.op.length);
      return;
    }
    if (k == N_GROUP) {
      this.emit(OP_SAVE, n.a * 2, 0);
      this.node(n.kids[0]);
      this.emit(OP_SAVE, n.a * 2 + 1, 0);
      return;
    }
    if (k == N_ASSERT) { this.emit(OP_ASSERT, n.a, 0); return; }
    if (k == N_BACKREF) { this.emit(OP_BACKREF, n.a, n.b); return; }
    if (k == N_LOOK) {
      const l = new Look();
      l.neg = (n.b & 1) != 0;
      l.behind = (n.b & 2) != 0;
      l.minLen = minLen(n.kids[0]);
      l.maxLen = maxLen(n.kids[0]);
      this.emit(OP_LOOK, this.looks.length, 0);
      this.looks.push(l);
      this.lookBodies.push(n.kids[0]);
      return;
    }
    if (k == N_REPEAT) {
      const body = n.kids[0];
      for (let i = 0; i < n.a; i++) { this.node(body); if (this.tooBig) return; }
      if (n.b == n.a) return;
      const mayBeEmpty = minLen(body) == 0;
      if (n.b < 0) {
        // L: SPLIT body, out ; body ; JMP L
        const loop = this.emit(OP_SPLIT, 0, 0);
        const reg = mayBeEmpty ? this.regs++ : -1;
        const bodyStart = this.op.length;
        if (mayBeEmpty) this.emit(OP_MARK, reg, 0);
        this.node(body);
        if (mayBeEmpty) this.emit(OP_PROGRESS, reg, 0);
        this.emit(OP_JMP, loop, 0);
        const out = this.op.length;
        if (n.greedy) { this.patchA(loop, bodyStart); this.patchB(loop, out); }
        else { this.patchA(loop, out); this.patchB(loop, bodyStart); }
        return;
      }
      // up to (max - min) optional copies, each nested in the previous one
      const splits = new Array<i32>(0);
      for (let i = n.a; i < n.b; i++) {
        const split = this.emit(OP_SPLIT, 0, 0);
        splits.push(split);
        const bodyStart = this.op.length;
        if (n.greedy) this.patchA(split, bodyStart); else this.patchB(split, bodyStart);
        this.node(body);
        if (this.tooBig) return;
      }
      const out = this.op.length;
      for (let i = 0; i < splits.length; i++) {
        if (n.greedy) this.patchB(splits[i], out); else this.patchA(splits[i], out);
      }
      return;
    }
  }

  /** Compiles the lookaround bodies after the main program (each ends in MATCH). */
  finishLooks(): void {
    for (let i = 0; i < this.lookBodies.length && !this.tooBig; i++) {
      const l = this.looks[i];
      l.start = this.op.length;
      this.node(this.lookBodies[i]);
      if (l.behind) this.emit(OP_ENDAT, 0, 0);
      this.emit(OP_MATCH, 0, 0);
    }
  }
}

export class Regex {
  readonly groupCount: i32;
  private op: StaticArray<i32>;
  private oa: StaticArray<i32>;
  private ob: StaticArray<i32>;
  private classes: Array<StaticArray<u32>>;
  private looks: Array<Look>;
  private nslots: i32;
  private anchored: bool;
  private first: StaticArray<u32> | null;
  private required: string;
  private wasAborted: bool = false;
  // per-exec state
  private s: string = "";
  private len: i32 = 0;
  private slots: StaticArray<i32>;
  private steps: i32 = 0;
  private target: i32 = 0; // lookbehind end position, for OP_ENDAT

  constructor(c: Compiler, groups: i32, classes: Array<StaticArray<u32>>, anchored: bool, first: StaticArray<u32> | null, required: string) {
    this.required = required;
    this.groupCount = groups;
    this.op = StaticArray.fromArray<i32>(c.op);
    this.oa = StaticArray.fromArray<i32>(c.a);
    this.ob = StaticArray.fromArray<i32>(c.b);
    this.classes = classes;
    this.looks = c.looks;
    const nslots = (groups + 1) * 2 + c.regs;
    this.nslots = nslots;
    this.slots = new StaticArray<i32>(nslots);
    this.anchored = anchored;
    this.first = first;
  }

  /** True when the last exec gave up on its step budget: treat as no match. */
  get aborted(): bool { return this.wasAborted; }

  /** Captures of the first match at or after `start`; null = no match (or aborted). */
  exec(subject: string, start: i32 = 0): Array<string> | null {
    this.s = subject;
    this.len = subject.length;
    this.steps = 0;
    this.wasAborted = false;
    if (start < 0) start = 0;
    if (this.required.length > 0 && subject.indexOf(this.required, start) < 0) return null;
    const first = this.first;
    if (first !== null && this.anchored && (start > 0 || this.len == 0 || !classHas(first, this.char(0)))) return null;
    for (let at = start; at <= this.len; at++) {
      if (this.anchored && at > 0) break;
      if (first !== null && !this.anchored) {
        // skip starts that cannot begin a match, at no step cost
        while (at < this.len && !classHas(first, this.char(at))) at++;
        if (at >= this.len) break;
      }
      for (let i = 0; i < this.nslots; i++) this.slots[i] = -1;
      const end = this.run(0, at, 0);
      if (end == -2) { this.wasAborted = true; return null; }
      if (end >= 0) {
        this.slots[0] = at;
        this.slots[1] = end;
        const out = new Array<string>(this.groupCount + 1);
        for (let g = 0; g <= this.groupCount; g++) {
          const a = this.slots[g * 2], b = this.slots[g * 2 + 1];
          out[g] = a >= 0 && b >= a ? subject.substring(a, b) : "";
        }
        return out;
      }
    }
    return null;
  }

  @inline private char(i: i32): i32 {
    return <i32>load<u16>(changetype<usize>(this.s) + (<usize>i << 1));
  }

  private isWordAt(i: i32): bool { return i >= 0 && i < this.len && isWordChar(this.char(i)); }

  private assert(kind: i32, pos: i32): bool {
    const len = this.len;
    if (kind == A_BOS) return pos == 0;
    if (kind == A_EOL) return pos == len || (pos == len - 1 && this.char(pos) == 10);
    if (kind == A_EOS) return pos == len;
    if (kind == A_WORDB) return this.isWordAt(pos - 1) != this.isWordAt(pos);
    if (kind == A_NWORDB) return this.isWordAt(pos - 1) == this.isWordAt(pos);
    if (kind == A_BOL_M) return pos == 0 || this.char(pos - 1) == 10;
    if (kind == A_EOL_M) return pos == len || this.char(pos) == 10;
    return false;
  }

  /**
   * Runs the program from `pc` at `pos`: the end position of a match, -1 for
   * none, -2 when the step budget ran out. Captures are left in `slots`.
   * `depth` counts nested lookarounds (bounded by the pattern).
   */
  private run(pc0: i32, pos0: i32, depth: i32): i32 {
    // backtrack stack: pairs (pc >= 0, pos) for a branch, (-1 - slot, old value) for an undo
    const stack = new Array<i32>(0);
    let pc = pc0, pos = pos0;
    const budget = maxSteps;
    for (;;) {
      let ok = true;
      if (++this.steps > budget) return -2;
      const op = unchecked(this.op[pc]);
      if (op == OP_CHAR) {
        if (pos < this.len && this.char(pos) == unchecked(this.oa[pc])) { pos++; pc++; } else ok = false;
      } else if (op == OP_CLASS) {
        if (pos < this.len && classHas(unchecked(this.classes[unchecked(this.oa[pc])]), this.char(pos))) { pos++; pc++; } else ok = false;
      } else if (op == OP_SPLIT) {
        stack.push(unchecked(this.ob[pc])); stack.push(pos);
        pc = unchecked(this.oa[pc]);
      } else if (op == OP_JMP) {
        pc = unchecked(this.oa[pc]);
      } else if (op == OP_SAVE || op == OP_MARK) {
        const slot = op == OP_SAVE ? this.oa[pc] : (this.groupCount + 1) * 2 + this.oa[pc];
        stack.push(-1 - slot); stack.push(this.slots[slot]);
        this.slots[slot] = pos;
        pc++;
      } else if (op == OP_PROGRESS) {
        if (this.slots[(this.groupCount + 1) * 2 + this.oa[pc]] == pos) ok = false; else pc++;
      } else if (op == OP_ASSERT) {
        if (this.assert(this.oa[pc], pos)) pc++; else ok = false;
      } else if (op == OP_BACKREF) {
        const g = this.oa[pc];
        const a = this.slots[g * 2], b = this.slots[g * 2 + 1];
        if (a < 0 || b < a) ok = false; // PCRE: a group that did not take part never matches
        else {
          const n = b - a;
          if (pos + n > this.len) ok = false;
          else {
            const ci = this.ob[pc] != 0;
            for (let k = 0; k < n; k++) {
              let x = this.char(a + k), y = this.char(pos + k);
              if (ci) { if (x >= 65 && x <= 90) x += 32; if (y >= 65 && y <= 90) y += 32; }
              if (x != y) { ok = false; break; }
            }
            if (ok) { pos += n; pc++; }
          }
        }
      } else if (op == OP_LOOK) {
        const r = this.look(this.looks[this.oa[pc]], pos, depth, stack);
        if (r == -2) return -2;
        if (r == 1) pc++; else ok = false;
      } else if (op == OP_ENDAT) {
        if (pos == this.target) pc++; else ok = false;
      } else { // OP_MATCH
        return pos;
      }
      if (ok) continue;
      // backtrack: undo slot writes down to the newest branch
      for (;;) {
        if (stack.length == 0) return -1;
        const v = stack.pop();
        const k = stack.pop();
        if (k >= 0) { pc = k; pos = v; break; }
        this.slots[-1 - k] = v;
      }
    }
    return -1; // unreachable: the loop only returns
  }

  /** 1 when the lookaround holds at `pos`, 0 when not, -2 when aborted. */
  private look(l: Look, pos: i32, depth: i32, outer: Array<i32>): i32 {
    if (depth >= MAX_NESTING) return -2;
    const saved = StaticArray.slice<i32>(this.slots);
    const savedTarget = this.target;
    let found = false;
    if (!l.behind) {
      const r = this.run(l.start, pos, depth + 1);
      if (r == -2) return -2;
      found = r >= 0;
    } else {
      const hi = l.maxLen < 0 ? pos : min(l.maxLen, pos);
      for (let n = l.minLen; n <= hi && !found; n++) {
        for (let i = 0; i < this.nslots; i++) this.slots[i] = saved[i];
        this.target = pos;
        const r = this.run(l.start, pos - n, depth + 1);
        if (r == -2) return -2;
        found = r >= 0;
      }
    }
    this.target = savedTarget;
    if (found && !l.neg) {
      // keep the captures set inside, undoable by the outer match
      for (let i = 0; i < this.nslots; i++) {
        if (this.slots[i] != saved[i]) { outer.push(-1 - i); outer.push(saved[i]); }
      }
    } else {
      for (let i = 0; i < this.nslots; i++) this.slots[i] = saved[i];
    }
    return found != l.neg ? 1 : 0;
  }
}

/**
 * Compiles `pattern` with PCRE flags ("i" = ASCII case-insensitive, "s" =
 * dot matches newline, "m" multiline; others ignored); null when the pattern
 * is malformed or uses something unsupported — compileError() says what.
 */
export function compileRegex(pattern: string, flags: string): Regex | null {
  lastError = "";
  const p = new Parser(pattern);
  p.ci = flags.includes("i");
  p.dotall = flags.includes("s");
  p.multiline = flags.includes("m");
  const root = p.parseAlt();
  if (root === null || p.err.length > 0) { lastError = p.err.length > 0 ? p.err : "malformed pattern"; return null; }
  if (!p.end) { lastError = "unmatched ) at offset " + p.i.toString(); return null; }
  if (p.maxBackref > p.groups) { lastError = "reference to non-existent group \\" + p.maxBackref.toString(); return null; }
  const c = new Compiler();
  c.node(root);
  c.emit(OP_MATCH, 0, 0);
  c.finishLooks();
  if (c.tooBig) { lastError = "pattern too large once repeats are expanded"; return null; }
  for (let i = 0; i < c.looks.length; i++) {
    if (c.looks[i].behind && c.looks[i].maxLen < 0) { lastError = "lookbehind assertion is not fixed length"; return null; }
  }
  const anchored = startsAnchored(root);
  const set = newClass();
  const first: StaticArray<u32> | null = firstChars(root, set, p.classes) ? null : set;
  return new Regex(c, p.groups, p.classes, anchored, first, requiredLiteral(root));
}

/**
 * The longest run of plain chars every match must contain (top-level
 * sequence, through capturing groups): a subject without it cannot match, so
 * exec skips the backtracking (which on such subjects can be exponential).
 */
function requiredLiteral(n: Node): string {
  const flat = new Array<Node>(0);
  flatten(n, flat);
  let best = "", run = "";
  for (let i = 0; i <= flat.length; i++) {
    if (i < flat.length && flat[i].kind == N_CHAR) { run += String.fromCharCode(flat[i].a); continue; }
    if (i < flat.length && (flat[i].kind == N_ASSERT || flat[i].kind == N_LOOK)) continue; // zero-width: the run goes on
    if (run.length > best.length) best = run;
    run = "";
  }
  return best;
}

function flatten(n: Node, out: Array<Node>): void {
  if (n.kind == N_SEQ) { for (let i = 0; i < n.kids.length; i++) flatten(n.kids[i], out); return; }
  if (n.kind == N_GROUP) { flatten(n.kids[0], out); return; }
  out.push(n);
}

/** True when every match must start at offset 0 (a leading ^ or \A). */
function startsAnchored(n: Node): bool {
  if (n.kind == N_ASSERT) return n.a == A_BOS;
  if (n.kind == N_SEQ) return n.kids.length > 0 && startsAnchored(n.kids[0]);
  if (n.kind == N_GROUP) return startsAnchored(n.kids[0]);
  if (n.kind == N_ALT) {
    for (let i = 0; i < n.kids.length; i++) if (!startsAnchored(n.kids[i])) return false;
    return true;
  }
  return false;
}
