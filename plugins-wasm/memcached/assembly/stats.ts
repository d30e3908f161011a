// The memcached text-protocol reply to `stats`
// (https://github.com/memcached/memcached/blob/master/doc/protocol.txt,
// "General-purpose statistics"): `STAT <name> <value>\r\n` lines ended by
// `END\r\n`, or one error line. A pure function over the bytes so far, so
// every cut or hostile reply can be fed to it directly (test/harness).
import { latin1 } from "@wasmap/sdk-assemblyscript";

/** A longer line is refused (memcached's are < 100 bytes). */
export const MAX_LINE: i32 = 1024;
/** Most STAT lines kept; memcached 1.6 sends ~90. */
export const MAX_STATS: i32 = 512;

export const NEED_MORE: i32 = 0;
export const COMPLETE: i32 = 1;
export const MALFORMED: i32 = 2;
/** The server answered with an error line (ERROR, CLIENT_ERROR …, SERVER_ERROR …). */
export const REFUSED: i32 = 3;

export class Stats {
  state: i32 = NEED_MORE;
  keys: string[] = [];
  values: string[] = [];
  /** The error line (REFUSED) or the reason (MALFORMED). */
  text: string = "";
  /** More than MAX_STATS lines: the rest were dropped. */
  truncated: bool = false;

  get(key: string): string {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.values[i];
    return "";
  }
}

function startsWith(b: Uint8Array, start: i32, end: i32, word: string): bool {
  if (end - start < word.length) return false;
  for (let i = 0; i < word.length; i++) if (<i32>b[start + i] != word.charCodeAt(i)) return false;
  return true;
}

/** Parses the reply bytes received so far; the STAT lines read are kept in every state. */
export function parseStats(buf: Uint8Array): Stats {
  const s = new Stats();
  const n = buf.length;
  let i = 0;
  while (true) {
    let j = i;
    while (j < n && buf[j] != 0x0a && j - i <= MAX_LINE) j++;
    if (j - i > MAX_LINE) { s.state = MALFORMED; s.text = "reply line longer than " + MAX_LINE.toString() + " bytes"; return s; }
    if (j >= n) {
      // a cut line: refuse early what can never start a valid line, so a non-memcached banner fails fast
      const part = latin1(buf, i, n);
      if (!("STAT ".startsWith(part) || part.startsWith("STAT ") || "END\r".startsWith(part) || isErrorStart(part))) {
        s.state = MALFORMED; s.text = "not a stats reply";
      }
      return s;
    }
    let end = j;
    if (end > i && buf[end - 1] == 0x0d) end--;
    if (end - i == 3 && startsWith(buf, i, end, "END")) { s.state = COMPLETE; return s; }
    if (startsWith(buf, i, end, "STAT ")) {
      const k0 = i + 5;
      let sp = k0;
      while (sp < end && buf[sp] != 0x20) sp++;
      if (sp == k0 || sp >= end) { s.state = MALFORMED; s.text = "STAT line without a name and a value"; return s; }
      if (s.keys.length >= MAX_STATS) s.truncated = true;
      else {
        s.keys.push(latin1(buf, k0, sp));
        s.values.push(latin1(buf, sp + 1, end));
      }
    } else if (isErrorStart(latin1(buf, i, min(end, i + 13)))) {
      s.state = s.keys.length == 0 ? REFUSED : MALFORMED;
      s.text = latin1(buf, i, end);
      return s;
    } else {
      s.state = MALFORMED; s.text = "not a stats reply";
      return s;
    }
    i = j + 1;
  }
}

/** Whether `t` is (a prefix of, or starts with) one of the protocol's error words. */
function isErrorStart(t: string): bool {
  const words = ["ERROR", "CLIENT_ERROR", "SERVER_ERROR"];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.startsWith(t) || t.startsWith(w)) return true;
  }
  return false;
}
