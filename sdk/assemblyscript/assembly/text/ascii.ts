// Byte- and char-level parsing that every protocol needs: digits, hex
// digits, the first line of a banner, bytes as one-char-per-byte text.
// Every function is total: bad or out-of-range input gives false, -1 or "".

/** '0'..'9'. */
export function isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }

/** A non-empty run of '0'..'9' and nothing else. */
export function isDigits(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** The value of a hex digit (either case), or -1. */
export function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Text up to the first CR or LF (all of it when there is none). */
export function firstLine(text: string): string {
  let end = text.length;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x0d || c == 0x0a) end = i;
  }
  return text.substring(0, end);
}

/**
 * Bytes `start`..`end` (default: all) as a string, one UTF-16 unit per byte,
 * so binary protocols (MySQL greetings, telnet IAC) survive for matching
 * without UTF-8 errors. The range is clamped to the array.
 */
export function latin1(b: Uint8Array, start: i32 = 0, end: i32 = i32.MAX_VALUE): string {
  const from = max(0, start);
  const to = min(end, b.length);
  const n = to - from;
  if (n <= 0) return "";
  const s = changetype<string>(__new(<usize>n << 1, idof<string>()));
  for (let i = 0; i < n; i++) store<u16>(changetype<usize>(s) + (<usize>i << 1), <u16>b[from + i]);
  return s;
}
