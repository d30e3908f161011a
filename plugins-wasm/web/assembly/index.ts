// web: a wasmap scanner for web servers that adds what the http/https
// plugins do not report: the technologies behind the page (headers, cookie
// names, the HTML's generator, assets and markers; rules.ts), the favicon's
// hash as Shodan computes it, and a screenshot of the page rendered by the
// host's headless Chromium (capability `browser`, docs/abi.md A12).
import {
  ArrayWriter, HttpGetOptions, HttpGetResult, MapWriter, Output, Input, STATUS_PROTOCOL_ERROR, STATUS_SUCCESS, Target, Url,
  errorName, faviconHash, httpGet, md5, register, renderPage, resolveLocation, timeLeftMs,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { Tech, detect, iconHref } from "./detect";

/** Redirects followed on the way to the page, same origin only. */
const MAX_REDIRECTS: i32 = 3;
/** Time kept back from the render for returning the result. */
const MARGIN_MS: i64 = 500;

class Settings {
  timeout: i32 = 5000;
  maxBody: i32 = 131072;
  maxIcon: i32 = 262144;
  screenshot: bool = false;
  width: i32 = 1280;
  height: i32 = 800;
  maxImage: i32 = 900 * 1024;
  tls: bool = false;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (<u32>b[i]).toString(16).padStart(2, "0");
  return s;
}

function get(t: Target, path: string, s: Settings, maxBody: i32): HttpGetResult {
  const o = new HttpGetOptions();
  o.timeoutMs = s.timeout;
  o.maxBody = maxBody;
  o.tls = s.tls;
  return httpGet(t, path, o);
}

function isRedirect(code: i32): bool { return code == 301 || code == 302 || code == 303 || code == 307 || code == 308; }

/** The page: GET / and its same-origin redirects. `url` is where it ended. */
class Page {
  x: HttpGetResult = new HttpGetResult();
  url: Url = new Url("http", "", 0, "/");
}

function fetchPage(t: Target, base: Url, s: Settings): Page {
  const p = new Page();
  p.url = base;
  p.x = get(t, base.path, s, s.maxBody);
  for (let i = 0; i < MAX_REDIRECTS; i++) {
    const r = p.x.response;
    if (!p.x.ok || r === null || !isRedirect(r.statusCode)) break;
    const next = resolveLocation(r.header("location"), p.url);
    if (next === null) break;
    const n = next!;
    if (!(n.sameOrigin(p.url) || (n.scheme == p.url.scheme && n.port == p.url.port && n.host == t.ip))) break;
    p.url = new Url(p.url.scheme, p.url.host, p.url.port, n.path);
    p.x = get(t, n.path, s, s.maxBody);
  }
  return p;
}

/** The favicon's path on the target: the page's `<link rel=icon>` when same-origin, else /favicon.ico. */
function iconPath(t: Target, page: Page, html: string): string {
  const href = iconHref(html);
  if (href.length > 0 && !href.toLowerCase().startsWith("data:")) {
    const u = resolveLocation(href, page.url);
    if (u !== null && (u.sameOrigin(page.url) || (u.scheme == page.url.scheme && u.port == page.url.port && u.host == t.ip))) return u.path;
  }
  return "/favicon.ico";
}

function techList(list: Array<Tech>): ArrayWriter {
  const a = new ArrayWriter();
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    const m = new MapWriter().str("name", t.name).str("category", t.category);
    if (t.version.length > 0) m.str("version", t.version);
    a.map(m.str("via", t.via));
  }
  return a;
}

function run(input: Input): Output {
  const t = input.target!;
  const c = input.config;
  const s = new Settings();
  s.timeout = <i32>c.getInt("timeout_ms", 5000);
  s.maxBody = <i32>c.getInt("max_body", 131072);
  s.maxIcon = <i32>c.getInt("max_favicon_bytes", 262144);
  s.screenshot = c.getBool("screenshot", false);
  s.width = <i32>c.getInt("width", 1280);
  s.height = <i32>c.getInt("height", 800);
  s.maxImage = <i32>c.getInt("max_screenshot_bytes", 900 * 1024);
  s.tls = c.getBool("tls", false) || t.tls;

  const host = t.hostname.length > 0 ? t.hostname : t.ip;
  let page = fetchPage(t, new Url(s.tls ? "https" : "http", host, t.port, "/"), s);
  // not HTTP in clear: maybe HTTPS on a port nobody said was TLS
  if (!s.tls && page.x.response === null && page.x.status == STATUS_PROTOCOL_ERROR) {
    s.tls = true;
    const again = fetchPage(t, new Url("https", host, t.port, "/"), s);
    if (again.x.response !== null) page = again;
    else s.tls = false;
  }
  const r = page.x.response;
  if (r === null) return Output.fail(page.x.status, page.x.error);

  const html = page.x.bodyText();
  const techs = detect(r.headers, html);
  const data = new MapWriter().str("url", page.url.toString()).array("technologies", techList(techs));

  // favicon
  const ipath = iconPath(t, page, html);
  const icon = get(t, ipath, s, s.maxIcon);
  const ir = icon.response;
  let iconHash: i32 = 0;
  let hasIcon = false;
  if (icon.ok && ir !== null && ir.statusCode == 200 && ir.body.length > 0 && !ir.bodyTruncated) {
    hasIcon = true;
    iconHash = faviconHash(ir.body);
    data.str("favicon_url", new Url(page.url.scheme, page.url.host, page.url.port, ipath).toString())
      .int("favicon_hash", iconHash).str("favicon_md5", hex(md5(ir.body))).int("favicon_size", ir.body.length);
  }

  // screenshot, by the host's browser
  let shot = "";
  if (s.screenshot) {
    const left = timeLeftMs() - MARGIN_MS;
    if (left < 1000) data.str("screenshot_skipped", "no time left for the browser");
    else {
      const rendered = renderPage(page.url.toString(), s.width, s.height, s.maxImage, <i32>left);
      const p = rendered.page;
      if (p === null) data.str("screenshot_skipped", "browse: " + errorName(rendered.error));
      else {
      data.bin("screenshot", p.image).str("screenshot_format", p.format).int("screenshot_width", p.width).int("screenshot_height", p.height);
      const pm = new MapWriter().str("url", p.url).int("status", p.status).str("title", p.title).int("blocked", p.blocked);
      if (p.blockedUrls.length > 0) pm.strArray("blocked_urls", p.blockedUrls);
      data.map("page", pm);
      shot = "screenshot " + p.width.toString() + "x" + p.height.toString();
      }
    }
  }

  const out = new Output();
  out.status = STATUS_SUCCESS;
  out.summary = summary(techs, hasIcon, iconHash, shot);
  return out.setData(data);
}

/** The table's line (A8): `nginx 1.22.1, jQuery 3.6.0; favicon -1234567; screenshot 1280x800`. */
function summary(techs: Array<Tech>, hasIcon: bool, hash: i32, shot: string): string {
  const parts = new Array<string>(0);
  const names = new Array<string>(0);
  for (let i = 0; i < techs.length && i < 8; i++) names.push(techs[i].version.length > 0 ? techs[i].name + " " + techs[i].version : techs[i].name);
  parts.push(names.length > 0 ? names.join(", ") : "no known technologies");
  if (hasIcon) parts.push("favicon " + hash.toString());
  if (shot.length > 0) parts.push(shot);
  return parts.join("; ");
}

register(run);
