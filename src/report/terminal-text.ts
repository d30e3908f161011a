/**
 * Text for a person's terminal. Plugins, manifests, file names and network
 * peers are untrusted: a raw ESC, BEL, CR or C1 byte in what we print would
 * let them set the window title, clear the screen, write the clipboard
 * (OSC 52), plant hyperlinks (OSC 8) or overwrite a line, and bidi overrides
 * make text read differently from what it is. Every such code point is shown
 * visibly instead, in one notation:
 *
 * - C0 controls and DEL as `\xNN` (ESC → `\x1b`, BEL → `\x07`, CR → `\x0d`);
 * - C1 controls and invisible/bidi format characters as `\uNNNN`
 *   (CSI U+009B → `\u009b`, RIGHT-TO-LEFT OVERRIDE → `\u202e`);
 * - outside the BMP, `\u{NNNNN}` (tag characters U+E0000–U+E007F).
 *
 * A backslash itself is left alone: this is for display, not a reversible
 * encoding (machine formats — JSONL, JSON, CSV to a file or pipe — keep the
 * exact data).
 */

/**
 * What may not reach a terminal as is: C0, DEL, C1; ALM U+061C; zero-width
 * and direction marks U+200B–U+200F; line/paragraph separators and bidi
 * embeddings/overrides U+2028–U+202E; word joiner, invisible operators and
 * bidi isolates U+2060–U+2069; BOM U+FEFF; interlinear annotations
 * U+FFF9–U+FFFB; tag characters.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

/** The same set minus C0 (which JSON always escapes) — what may still sit raw inside a JSON string. */
const UNSAFE_IN_JSON = /[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

function visible(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (cp > 0xffff) return `\\u{${hex(cp, 5)}}`;
  return `\\u${hex(cp, 4)}`;
}

/** One line for the terminal: every unsafe code point shown visibly, newlines and tabs included. */
export function forTerminal(s: string): string {
  return s.replace(UNSAFE, visible);
}

/**
 * Several lines for the terminal (a report, a pretty-printed JSON): like
 * forTerminal, but LF, TAB and a CR right before an LF keep their meaning.
 */
export function linesForTerminal(s: string): string {
  return s.replace(UNSAFE, (ch, at: number, all: string) =>
    ch === '\n' || ch === '\t' || (ch === '\r' && all[at + 1] === '\n') ? ch : visible(ch));
}

/** Bytes for the terminal: decoded as UTF-8 (a bad sequence shows as U+FFFD), then linesForTerminal. */
export function bytesForTerminal(b: Uint8Array): string {
  return linesForTerminal(new TextDecoder().decode(b));
}

/**
 * JSON text for the terminal that is still the same JSON: JSON.stringify
 * already escapes C0, so this writes what it leaves raw (C1, bidi, …) as
 * `\uNNNN` escapes, which decode to the very same string. (JSON outside
 * strings is ASCII, so only string contents are touched.)
 */
export function jsonForTerminal(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (ch) => {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0xffff) return `\\u${hex(cp, 4)}`;
    const v = cp - 0x10000;
    return `\\u${hex(0xd800 + (v >> 10), 4)}\\u${hex(0xdc00 + (v & 0x3ff), 4)}`;
  });
}
