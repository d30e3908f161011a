// The rsync daemon's text handshake and module listing
// (https://download.samba.org/pub/rsync/rsyncd.conf.5, and clientserver.c:
// rsync_module listing). The server greets with `@RSYNCD: <major>.<minor>
// [digests…]\n`; after the client's own `@RSYNCD:` line and `#list\n` it
// sends its motd lines (then a blank line), one `%-15s\t<comment>\n` line
// per listable module, and `@RSYNCD: EXIT\n`; or `@ERROR: …\n` instead.
// A pure function over the bytes so far, so every cut or hostile stream can
// be fed to it directly (test/harness).

import { utf8Lenient } from "@wasmap/sdk-assemblyscript";

export const NEED_MORE: i32 = 0;
export const COMPLETE: i32 = 1;
export const MALFORMED: i32 = 2;

/** A longer line is refused. */
export const MAX_LINE: i32 = 4096;
/** Most modules and motd lines kept; the rest are counted as dropped. */
export const MAX_MODULES: i32 = 1000;
export const MAX_MOTD_LINES: i32 = 100;

const GREETING = "@RSYNCD: ";

export class Module {
  constructor(public name: string, public comment: string) {}
}

export class Listing {
  state: i32 = NEED_MORE;
  /** The greeting line has arrived (the client may send its own now). */
  greeted: bool = false;
  /** The greeting line, without its newline. */
  banner: string = "";
  /** "32.0" from "@RSYNCD: 32.0 sha512 …". */
  protocolVersion: string = "";
  /** Digest names after the version (protocol 31+). */
  digests: string[] = [];
  motd: string[] = [];
  modules: Module[] = [];
  dropped: i32 = 0;
  /** The server's `@ERROR` line, or why the stream is MALFORMED. */
  error: string = "";
}

function text(b: Uint8Array, start: i32, end: i32): string {
  return utf8Lenient(b, start, end);
}

/** `@RSYNCD: 32.0 sha512 sha256` → version and digests; false if it is not a greeting. */
function greeting(l: Listing, line: string): bool {
  if (!line.startsWith(GREETING)) return false;
  const words = line.substring(GREETING.length).trim().split(" ");
  const v = words[0];
  const dot = v.indexOf(".");
  if (v.length == 0 || v.length > 16) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (i != dot && (c < 0x30 || c > 0x39)) return false;
  }
  l.protocolVersion = v;
  for (let i = 1; i < words.length && i <= 16; i++) if (words[i].length > 0) l.digests.push(words[i]);
  return true;
}

/** Parses the stream from its first byte (the greeting) as far as it goes. */
export function parseListing(buf: Uint8Array): Listing {
  const l = new Listing();
  const n = buf.length;
  let i = 0;
  while (true) {
    let j = i;
    while (j < n && buf[j] != 0x0a && j - i <= MAX_LINE) j++;
    if (j - i > MAX_LINE) { l.state = MALFORMED; l.error = "line longer than " + MAX_LINE.toString() + " bytes"; return l; }
    if (j >= n) {
      // a cut greeting that can never become one fails now, so a foreign banner fails fast
      if (!l.greeted) {
        const m = min(n, GREETING.length);
        for (let k = 0; k < m; k++) {
          if (<i32>buf[k] != GREETING.charCodeAt(k)) { l.state = MALFORMED; l.error = "not an rsync daemon greeting"; return l; }
        }
      }
      return l;
    }
    let end = j;
    if (end > i && buf[end - 1] == 0x0d) end--;
    const line = text(buf, i, end);
    i = j + 1;
    if (!l.greeted) {
      if (!greeting(l, line)) { l.state = MALFORMED; l.error = "not an rsync daemon greeting"; return l; }
      l.greeted = true;
      l.banner = line;
      continue;
    }
    if (line.startsWith("@RSYNCD: EXIT")) { l.state = COMPLETE; return l; }
    if (line.startsWith("@ERROR")) { l.state = COMPLETE; l.error = line; return l; }
    const tab = line.indexOf("\t");
    const name = tab > 0 ? line.substring(0, tab).trimEnd() : "";
    if (name.length > 0 && !name.includes(" ")) {
      if (l.modules.length < MAX_MODULES) l.modules.push(new Module(name, line.substring(tab + 1)));
      else l.dropped++;
    } else if (l.modules.length == 0) {
      // the motd comes before the list, followed by one blank line
      if (l.motd.length < MAX_MOTD_LINES) l.motd.push(line);
      else l.dropped++;
    } else {
      l.dropped++;
    }
  }
}

/** The motd as one text, without the blank line(s) that close it. */
export function motdText(l: Listing): string {
  return l.motd.join("\n").trimEnd();
}
