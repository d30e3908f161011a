// Just enough HTML reading for technology rules: the attributes of every
// `<tag …>` of one kind, from a bounded body. Not a parser: no entities, no
// comments or scripts skipped; a marker inside a comment counts.

/** Most tags of one kind read from a page. */
const MAX_TAGS: i32 = 256;

export class Attr {
  constructor(public name: string, public value: string) {}
}

export class Tag {
  attrs: Array<Attr> = new Array<Attr>(0);
  get(name: string): string {
    for (let i = 0; i < this.attrs.length; i++) if (this.attrs[i].name == name) return this.attrs[i].value;
    return "";
  }
}

function isSpace(c: i32): bool { return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d || c == 0x0c; }

/** The attributes of `<tag` at `at` (after the name), up to its `>`; names lowercased. */
function readAttrs(html: string, at: i32, end: i32): Tag {
  const t = new Tag();
  let i = at;
  while (i < end) {
    while (i < end && (isSpace(html.charCodeAt(i)) || html.charCodeAt(i) == 0x2f)) i++;
    if (i >= end) break;
    const ns = i;
    while (i < end && !isSpace(html.charCodeAt(i)) && html.charCodeAt(i) != 0x3d && html.charCodeAt(i) != 0x2f) i++;
    const name = html.substring(ns, i).toLowerCase();
    while (i < end && isSpace(html.charCodeAt(i))) i++;
    let value = "";
    if (i < end && html.charCodeAt(i) == 0x3d) {
      i++;
      while (i < end && isSpace(html.charCodeAt(i))) i++;
      const q = i < end ? html.charCodeAt(i) : 0;
      if (q == 0x22 || q == 0x27) {
        const close = html.indexOf(String.fromCharCode(q), i + 1);
        const stop = close < 0 || close > end ? end : close;
        value = html.substring(i + 1, stop);
        i = stop + 1;
      } else {
        const vs = i;
        while (i < end && !isSpace(html.charCodeAt(i))) i++;
        value = html.substring(vs, i);
      }
    }
    if (name.length > 0) t.attrs.push(new Attr(name, value));
    if (t.attrs.length >= 32) break;
  }
  return t;
}

/** Every `<name …>` tag (case-insensitive) of `html`, at most MAX_TAGS. */
export function tags(html: string, lower: string, name: string): Array<Tag> {
  const out = new Array<Tag>(0);
  const open = "<" + name;
  let from = 0;
  while (out.length < MAX_TAGS) {
    const at = lower.indexOf(open, from);
    if (at < 0) break;
    const after = at + open.length;
    from = after;
    if (after < lower.length && !isSpace(lower.charCodeAt(after)) && lower.charCodeAt(after) != 0x3e && lower.charCodeAt(after) != 0x2f) continue; // <scripts, <metadata
    const gt = lower.indexOf(">", after);
    const end = gt < 0 ? lower.length : gt;
    out.push(readAttrs(html, after, end));
    from = end;
  }
  return out;
}

/** A version at `at`: digits and dots (e.g. "3.6.0"), trailing dots dropped; "" when none. */
export function versionAt(s: string, at: i32): string {
  let i = at;
  while (i < s.length && i - at < 24) {
    const c = s.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || c == 0x2e) i++;
    else break;
  }
  let v = s.substring(at, i);
  while (v.endsWith(".")) v = v.substring(0, v.length - 1);
  return v.length > 0 && v.charCodeAt(0) != 0x2e ? v : "";
}
