// The RESP subset the INFO probe needs (https://redis.io/docs/latest/develop/reference/protocol-spec/):
// one reply that is a simple string (+), an error (-) or a bulk string ($),
// and the INFO text inside it. Pure functions over bytes, so every truncated
// or hostile reply can be fed to them directly (test/harness).

import { latin1, utf8Lenient } from "@wasmap/sdk-assemblyscript";

/** A reply type line longer than this is refused (Redis's own are < 30 bytes). */
export const MAX_HEADER: i32 = 4096;
/** Most INFO keys kept; Redis 7 sends ~200. */
export const MAX_KEYS: i32 = 1024;

export const NEED_MORE: i32 = 0;
export const COMPLETE: i32 = 1;
export const MALFORMED: i32 = 2;

export class Reply {
  state: i32 = NEED_MORE;
  /** '+', '-' or '$' once the type line is complete, else 0. */
  kind: u8 = 0;
  /** Text of a '+' or '-' line (without the type byte), or the reason for MALFORMED. */
  text: string = "";
  /** The bulk body: complete when state is COMPLETE, the bytes so far when NEED_MORE. */
  body: Uint8Array = new Uint8Array(0);
  /** A `$-1` nil bulk. */
  nil: bool = false;
}

function malformed(r: Reply, why: string): Reply {
  r.state = MALFORMED;
  r.text = why;
  return r;
}

/** Parses the one reply at the start of `buf`; `maxBulk` caps a bulk length. */
export function parseReply(buf: Uint8Array, maxBulk: i32): Reply {
  const r = new Reply();
  const n = buf.length;
  if (n == 0) return r;
  let eol = -1;
  const scan = min(n, MAX_HEADER);
  for (let i = 0; i + 1 < scan; i++) {
    if (buf[i] == 0x0d && buf[i + 1] == 0x0a) { eol = i; break; }
  }
  if (eol < 0) {
    if (n >= MAX_HEADER) return malformed(r, "reply line longer than " + MAX_HEADER.toString() + " bytes");
    // refuse early what can never become a reply, so a non-Redis banner fails fast
    const t = buf[0];
    if (t != 0x2b && t != 0x2d && t != 0x24) return malformed(r, "not a RESP reply");
    return r;
  }
  const t = buf[0];
  if (t == 0x2b || t == 0x2d) {
    r.kind = t;
    r.text = latin1(buf, 1, eol);
    r.state = COMPLETE;
    return r;
  }
  if (t != 0x24) return malformed(r, "not a RESP reply");
  r.kind = t;
  // "$-1" is nil; otherwise 1..10 decimal digits, no sign, no leading junk
  if (eol == 3 && buf[1] == 0x2d && buf[2] == 0x31) { r.nil = true; r.state = COMPLETE; return r; }
  if (eol < 2 || eol > 11) return malformed(r, "bad bulk length");
  let len: i64 = 0;
  for (let i = 1; i < eol; i++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x39) return malformed(r, "bad bulk length");
    len = len * 10 + <i64>(c - 0x30);
  }
  if (len > <i64>maxBulk) return malformed(r, "bulk reply of " + len.toString() + " bytes is over the " + maxBulk.toString() + "-byte cap");
  const start = eol + 2;
  const end = start + <i32>len;
  if (n < end + 2) {
    r.body = buf.slice(start, min(n, end));
    return r;
  }
  if (buf[end] != 0x0d || buf[end + 1] != 0x0a) return malformed(r, "bulk reply not terminated by CRLF");
  r.body = buf.slice(start, end);
  r.state = COMPLETE;
  return r;
}

/** INFO's `key:value` lines, in order, sections flattened. */
export class Info {
  keys: string[] = [];
  values: string[] = [];
  /** More than MAX_KEYS lines: the rest were dropped. */
  truncated: bool = false;
  seen: Set<string> = new Set<string>();

  get(key: string): string {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.values[i];
    return "";
  }
}

/**
 * Parses INFO text. With `completeOnly`, a last line without its `\n` is
 * ignored (it may be cut short). `# Section` headers and blank lines are
 * skipped; a repeated key keeps its first value; keys and values stay verbatim.
 */
export function parseInfo(body: Uint8Array, completeOnly: bool): Info {
  const info = new Info();
  let end = body.length;
  if (completeOnly) {
    while (end > 0 && body[end - 1] != 0x0a) end--;
  }
  let i = 0;
  while (i < end) {
    let j = i;
    while (j < end && body[j] != 0x0a) j++;
    let lineEnd = j;
    if (lineEnd > i && body[lineEnd - 1] == 0x0d) lineEnd--;
    if (lineEnd > i && body[i] != 0x23) {
      let colon = -1;
      for (let k = i; k < lineEnd; k++) if (body[k] == 0x3a) { colon = k; break; }
      if (colon > i) {
        const key = utf8Lenient(body, i, colon);
        if (!info.seen.has(key)) {
          if (info.keys.length >= MAX_KEYS) { info.truncated = true; break; }
          info.seen.add(key);
          info.keys.push(key);
          info.values.push(utf8Lenient(body, colon + 1, lineEnd));
        }
      }
    }
    i = j + 1;
  }
  return info;
}

