// Applies the rules (rules.ts) to one HTTP response: its header fields,
// Set-Cookie names, and the HTML's generator, assets and markers.
import { Header } from "@wasmap/sdk-assemblyscript";
import { Tag, tags, versionAt } from "./html";
import { IN_ASSET, IN_COOKIE, IN_GENERATOR, IN_HEADER, IN_HTML, RULES, Rule } from "./rules";

export class Tech {
  constructor(public name: string, public category: string, public version: string, public via: string) {}
}

/** Longest evidence text kept. */
const MAX_VIA: i32 = 160;

class Found {
  list: Array<Tech> = new Array<Tech>(0);
  add(r: Rule, version: string, via: string): void {
    const v = via.length > MAX_VIA ? via.substring(0, MAX_VIA) : via;
    for (let i = 0; i < this.list.length; i++) {
      const t = this.list[i];
      if (t.name != r.name) continue;
      if (t.version.length == 0 && version.length > 0) { t.version = version; t.via = v; }
      return;
    }
    this.list.push(new Tech(r.name, r.category, version, v));
  }
}

/** The version after `r.version` in `text` (lowercase), or "". */
function versionIn(r: Rule, text: string, lower: string): string {
  if (r.version == "=") return versionAt(text.trim(), 0);
  if (r.version.length == 0) return "";
  let from = 0;
  while (true) {
    const at = lower.indexOf(r.version, from);
    if (at < 0) return "";
    const v = versionAt(lower, at + r.version.length);
    if (v.length > 0) return v;
    from = at + 1;
  }
  return "";
}

function cookieNames(headers: Array<Header>): Array<string> {
  const out = new Array<string>(0);
  for (let i = 0; i < headers.length && out.length < 64; i++) {
    if (headers[i].name.toLowerCase() != "set-cookie") continue;
    const v = headers[i].value;
    const eq = v.indexOf("=");
    if (eq > 0) out.push(v.substring(0, eq).trim());
  }
  return out;
}

function assetUrls(html: string, lower: string): Array<string> {
  const out = new Array<string>(0);
  const scripts = tags(html, lower, "script");
  for (let i = 0; i < scripts.length; i++) { const s = scripts[i].get("src"); if (s.length > 0) out.push(s); }
  const links = tags(html, lower, "link");
  for (let i = 0; i < links.length; i++) { const s = links[i].get("href"); if (s.length > 0) out.push(s); }
  return out;
}

function generators(html: string, lower: string): Array<string> {
  const out = new Array<string>(0);
  const metas = tags(html, lower, "meta");
  for (let i = 0; i < metas.length; i++) {
    const t: Tag = metas[i];
    if (t.get("name").toLowerCase() == "generator") out.push(t.get("content"));
  }
  return out;
}

/** Every technology the rules see in `headers` and `html` (at most one entry per name). */
export function detect(headers: Array<Header>, html: string): Array<Tech> {
  const f = new Found();
  const lower = html.toLowerCase();
  const cookies = cookieNames(headers);
  const assets = assetUrls(html, lower);
  const gens = generators(html, lower);
  for (let i = 0; i < RULES.length; i++) {
    const r = RULES[i];
    if (r.where == IN_HEADER) {
      for (let j = 0; j < headers.length; j++) {
        if (headers[j].name.toLowerCase() != r.key) continue;
        const v = headers[j].value;
        const lv = v.toLowerCase();
        if (r.needle.length > 0 && !lv.includes(r.needle)) continue;
        f.add(r, versionIn(r, v, lv), "header " + r.key + ": " + v);
        break;
      }
    } else if (r.where == IN_COOKIE) {
      for (let j = 0; j < cookies.length; j++) {
        if (!cookies[j].toLowerCase().startsWith(r.needle)) continue;
        f.add(r, "", "cookie " + cookies[j]);
        break;
      }
    } else if (r.where == IN_GENERATOR) {
      for (let j = 0; j < gens.length; j++) {
        const lv = gens[j].toLowerCase();
        if (!lv.includes(r.needle)) continue;
        f.add(r, versionIn(r, gens[j], lv), "meta generator: " + gens[j]);
        break;
      }
    } else if (r.where == IN_ASSET) {
      for (let j = 0; j < assets.length; j++) {
        const lv = assets[j].toLowerCase();
        if (!lv.includes(r.needle)) continue;
        f.add(r, versionIn(r, assets[j], lv), "asset " + assets[j]);
        break;
      }
    } else if (r.where == IN_HTML) {
      const at = lower.indexOf(r.needle);
      if (at < 0) continue;
      f.add(r, versionIn(r, html, lower), "html: " + html.substring(at, min(html.length, at + r.needle.length + 24)));
    }
  }
  return f.list;
}

/** The favicon the page names (`<link rel="icon" | "shortcut icon" href>`), or "". */
export function iconHref(html: string): string {
  const lower = html.toLowerCase();
  const links = tags(html, lower, "link");
  for (let i = 0; i < links.length; i++) {
    const rel = " " + links[i].get("rel").toLowerCase() + " ";
    if (rel.includes(" icon ")) return links[i].get("href");
  }
  return "";
}
