// Small string tools for the matchers: AssemblyScript has no regex engine,
// so every pattern is a prefix, a substring, or a token cut at a delimiter.
// Every function is total: out-of-range input gives "" or -1, never a trap.

/** The text after `marker` up to (not including) the first char in `stops`, or "" if `marker` is absent. */
export function after(text: string, marker: string, stops: string = " \r\n", from: i32 = 0): string {
  const at = text.indexOf(marker, from);
  if (at < 0) return "";
  return token(text, at + marker.length, stops);
}

/** The run of chars starting at `start` up to the first char in `stops`. */
export function token(text: string, start: i32, stops: string = " \r\n"): string {
  if (start < 0 || start >= text.length) return "";
  let end = start;
  while (end < text.length && stops.indexOf(text.charAt(end)) < 0) end++;
  return text.substring(start, end);
}

/** The value of an HTTP/RFC 822 header (case-insensitive name), "" if absent. */
export function header(text: string, name: string): string {
  const lower = text.toLowerCase();
  const key = "\n" + name.toLowerCase() + ":";
  const at = lower.indexOf(key);
  if (at < 0) return "";
  let start = at + key.length;
  while (start < text.length && text.charAt(start) == " ") start++;
  return token(text, start, "\r\n");
}

/** The leading run of [0-9.] (a dotted version), "" if none. */
export function leadingVersion(text: string): string {
  let end = 0;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (!((c >= 0x30 && c <= 0x39) || c == 0x2e)) break;
    end++;
  }
  return text.substring(0, end);
}

/** A version token: digits, dots, and the letters/signs versions use (9.2p1, 1.3.5e, 2022.83). */
export function versionToken(text: string, start: i32 = 0): string {
  if (start < 0 || start >= text.length) return "";
  let end = start;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c == 0x2e || c == 0x5f || c == 0x2d || c == 0x2b || c == 0x7e;
    if (!ok) break;
    end++;
  }
  const v = text.substring(start, end);
  // a version starts with a digit
  return v.length > 0 && v.charCodeAt(0) >= 0x30 && v.charCodeAt(0) <= 0x39 ? v : "";
}

/** Bytes as printable text for `banner`: \r \n \t kept as escapes, others as \xNN; capped at `max` chars. */
export function printable(b: Uint8Array, max: i32 = 512): string {
  let out = "";
  const hex = "0123456789abcdef";
  for (let i = 0; i < b.length && out.length < max; i++) {
    const c = <i32>b[i];
    if (c == 0x0d) out += "\\r";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x09) out += "\\t";
    else if (c == 0x5c) out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += "\\x" + hex.charAt(c >> 4) + hex.charAt(c & 15);
  }
  return out;
}

/** True when the text names a Linux distribution (for `ostype`). */
export function linuxHint(s: string): bool {
  const l = s.toLowerCase();
  return l.indexOf("debian") >= 0 || l.indexOf("ubuntu") >= 0 || l.indexOf("linux") >= 0 || l.indexOf("centos") >= 0 ||
    l.indexOf("red hat") >= 0 || l.indexOf("fedora") >= 0 || l.indexOf("raspbian") >= 0 || l.indexOf("alpine") >= 0 ||
    // Debian package revisions ("0+deb12u1", "1~deb12u2")
    l.indexOf("+deb") >= 0 || l.indexOf("~deb") >= 0;
}
