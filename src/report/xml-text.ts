/**
 * Text inside XML 1.0. What XML 1.0 forbids (C0 controls but tab, LF and
 * CR; lone surrogates; U+FFFE and U+FFFF) cannot be carried by any escape,
 * so it is dropped; the rest is escaped so a parser reads back the same text
 * (an attribute keeps its newlines and tabs as character references, which
 * attribute-value normalisation would otherwise turn into spaces).
 */
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xd;' };
const ATTR: Record<string, string> = { ...TEXT, '"': '&quot;', '\n': '&#xa;', '\t': '&#x9;' };

/** Element content. */
export function xmlText(s: string): string {
  return s.replace(FORBIDDEN, '').replace(/[&<>\r]/g, (c) => TEXT[c]!);
}

/** An attribute value between double quotes. */
export function xmlAttr(s: string): string {
  return s.replace(FORBIDDEN, '').replace(/[&<>\r"\n\t]/g, (c) => ATTR[c]!);
}

/** `name="value"` pairs; undefined values are left out. */
export function xmlAttrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

/** A comment: `--` may not occur in one, so a dash before a dash is written `- `. */
export function xmlComment(s: string): string {
  return `<!-- ${s.replace(FORBIDDEN, '').replace(/-(?=-|$)/g, '- ')} -->`;
}
