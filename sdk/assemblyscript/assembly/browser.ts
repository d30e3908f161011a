// The browser host service (docs/abi.md A12, capability `browser`): the host
// renders a page of the invocation's own target in headless Chromium and
// hands back a screenshot, the final URL, the title and the HTTP status.
import { EINVAL } from "./errors";
import { MapWriter } from "./msgpack/writer";
import { decode } from "./msgpack/reader";

@external("wasmap", "browse")
export declare function host_browse(reqPtr: usize, reqLen: i32, outPtr: usize, outCap: i32, timeoutMs: i32): i32;

export class Page {
  /** The page's URL when it was captured (after redirects and script navigation). */
  url: string = "";
  /** HTTP status of the main document, 0 when there was none. */
  status: i32 = 0;
  title: string = "";
  /** "png", or "jpeg" when the PNG was over `maxBytes`. */
  format: string = "";
  image: Uint8Array = new Uint8Array(0);
  width: i32 = 0;
  height: i32 = 0;
  /** Requests of the page to other hosts or ports, refused by the host. */
  blocked: i32 = 0;
  blockedUrls: Array<string> = new Array<string>(0);
}

/** The outcome of `renderPage`: `page`, or `error` (an ABI error code, e.g. EDENIED). */
export class Render {
  error: i32 = 0;
  page: Page | null = null;
}

/**
 * Renders `url` (http/https, the target's IP or hostname, the target's
 * port) in a `width` x `height` viewport (at most 1280x800) and captures it.
 * `maxBytes` caps the image (the host's cap is 2 MiB); `timeoutMs` 0 = the
 * host's 15 s, always within the invocation's wall time.
 */
export function renderPage(url: string, width: i32 = 1280, height: i32 = 800, maxBytes: i32 = 900 * 1024, timeoutMs: i32 = 0): Render {
  const req = new MapWriter().str("url", url).int("width", width).int("height", height).int("max_bytes", maxBytes).encode();
  const r = new Render();
  let cap = maxBytes + 16384;
  let buf = new Uint8Array(cap);
  let n = host_browse(req.dataStart, req.length, buf.dataStart, cap, timeoutMs);
  if (n > cap) { // the host keeps its answer: asking again with room does not render again
    cap = n;
    buf = new Uint8Array(cap);
    n = host_browse(req.dataStart, req.length, buf.dataStart, cap, timeoutMs);
  }
  if (n < 0) { r.error = n; return r; }
  const v = decode(buf.subarray(0, min(n, cap)));
  if (v === null || !v.isMap) { r.error = EINVAL; return r; }
  const p = new Page();
  p.url = v.getString("url");
  p.status = <i32>v.getInt("status");
  p.title = v.getString("title");
  p.format = v.getString("format");
  const img = v.get("image");
  if (img !== null) {
    const b = img.asBytes();
    if (b !== null) p.image = b;
  }
  p.width = <i32>v.getInt("width");
  p.height = <i32>v.getInt("height");
  p.blocked = <i32>v.getInt("blocked");
  const bl = v.getArray("blocked_urls");
  for (let i = 0; i < bl.length; i++) p.blockedUrls.push(bl[i].asString());
  r.page = p;
  return r;
}
