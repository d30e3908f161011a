import type { MessagePort } from 'node:worker_threads';
import { isIP } from 'node:net';
import { isMap } from '../../model/is-map.js';
import { canonicalIp } from '../../targets/ip.js';
import type { CallContext } from '../call-context.js';
import { E } from '../errno.js';
import { decodeBounded, encode, MsgpackError } from '../msgpack.js';
import type { RenderReply, RenderRequest } from '../browser/messages.js';
import { sameName, withWall, type HostEnv } from './env.js';

/** ABI A12 limits of `browse`, whatever the plugin asks. */
export const BROWSE_LIMITS = {
  /** One render, a first Chromium launch included. */
  timeoutMs: 15_000,
  maxWidth: 1280,
  maxHeight: 800,
  /** Largest image handed back (also charged to recv_bytes). */
  maxBytes: 2 << 20,
} as const;

/** The worker's end of the pool's browser service (browser/service.ts). */
export class BrowserClient {
  #next = 1;
  readonly #waiting = new Map<number, (r: RenderReply) => void>();
  constructor(private readonly port: MessagePort) {
    port.on('message', (r: RenderReply) => {
      const done = this.#waiting.get(r.rid);
      this.#waiting.delete(r.rid);
      done?.(r);
    });
    port.unref();
  }

  render(req: Omit<RenderRequest, 'rid'>): Promise<RenderReply> {
    const rid = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(rid, resolve);
      this.port.postMessage({ ...req, rid } satisfies RenderRequest);
    });
  }
}

/** The last answer of each invocation, so a retry with a larger buffer (ABI §4) does not render again. */
const lastAnswer = new WeakMap<CallContext, { key: string; bytes: Uint8Array }>();

/** Names the target goes by in a URL: its IP and, when it was scanned by name, that name. */
function targetNames(ctx: CallContext): string[] {
  const t = ctx.target!;
  return t.hostname ? [t.ip, t.hostname] : [t.ip];
}

/** The URL when it is the invocation's target (scheme http/https, host, port), else why not. */
function inScope(ctx: CallContext, raw: string): URL | string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol} (only http and https)`;
  if (u.username || u.password) return 'credentials in the URL';
  const t = ctx.target!;
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const own = isIP(host) ? canonicalIp(host) === canonicalIp(t.ip) : t.hostname !== undefined && sameName(host, t.hostname);
  if (!own || port !== t.port) return `${u.host} is not the target ${t.hostname ?? t.ip} port ${t.port}`;
  return u;
}

function intOf(m: Record<string, unknown>, key: string, dflt: number, lo: number, hi: number): number | undefined {
  const v = m[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) return undefined;
  return Math.min(hi, Math.max(lo, v));
}

/**
 * ABI A12 `browse(req_ptr, req_len, out_ptr, out_cap, timeout_ms) -> i32`
 * (capability `browser`): renders a page of the invocation's own target in
 * headless Chromium and returns a msgpack map (url, status, title, format,
 * image, width, height, blocked, blocked_urls); its full length is
 * returned and what fits is copied.
 */
export function browserImports(env: HostEnv, client: BrowserClient | undefined) {
  return {
    browse(reqPtr: number, reqLen: number, outPtr: number, outCap: number, timeoutMs: number): number | Promise<number> {
      const ctx = env.ctx();
      if (!ctx.hasCapability('browser')) return ctx.deny('browse needs capability "browser" (add it to plugin.toml capabilities)');
      if (!ctx.target) return ctx.deny(`browse: nothing is in scope for an invocation without a target (${ctx.manifest.kind} plugin)`);
      const v = ctx.view(reqPtr, reqLen);
      if (!v || outCap < 0 || !ctx.view(outPtr, outCap)) return E.INVAL;
      let m: unknown;
      try {
        m = decodeBounded(v, { maxBytes: 8192, maxDepth: 2, maxItems: 16 });
      } catch (e) {
        if (e instanceof MsgpackError) return E.INVAL;
        throw e;
      }
      if (!isMap(m) || typeof m['url'] !== 'string' || m['url'].length > 4096) return E.INVAL;
      const width = intOf(m, 'width', BROWSE_LIMITS.maxWidth, 16, BROWSE_LIMITS.maxWidth);
      const height = intOf(m, 'height', BROWSE_LIMITS.maxHeight, 16, BROWSE_LIMITS.maxHeight);
      const maxBytes = intOf(m, 'max_bytes', BROWSE_LIMITS.maxBytes, 1024, BROWSE_LIMITS.maxBytes);
      if (width === undefined || height === undefined || maxBytes === undefined) return E.INVAL;
      const url = inScope(ctx, m['url']);
      if (typeof url === 'string') return ctx.deny(`browse ${m['url'].slice(0, 64)}: ${url}`);
      const key = Buffer.from(v).toString('hex');
      const last = lastAnswer.get(ctx);
      if (last?.key === key) return deliver(ctx, last.bytes, outPtr, outCap);
      if (!client) return E.IO;
      const refused = ctx.chargeOpen();
      if (refused) return refused;
      const timeout = Math.min(BROWSE_LIMITS.timeoutMs, ctx.timeoutMs(timeoutMs > 0 ? timeoutMs : BROWSE_LIMITS.timeoutMs));
      const t = ctx.target;
      const req = { url: url.href, ip: t.ip, port: t.port, names: targetNames(ctx), width, height, maxBytes, timeoutMs: timeout };
      return withWall(ctx, client.render(req)).then((r) => {
        if ('code' in r) {
          const msg = `browse ${url.href}: ${r.message}`;
          ctx.log(2, msg, msg.length);
          return r.code;
        }
        const o = r.ok;
        const bytes = encode({
          url: o.url, status: o.status, title: o.title, format: o.format, image: o.image,
          width: o.width, height: o.height, blocked: o.blocked, blocked_urls: o.blockedUrls,
        });
        // the page's bytes reach the guest: charged like bytes received
        if (ctx.limits.recv_bytes - ctx.bytesReceived < bytes.length) return E.LIMIT;
        ctx.bytesReceived += bytes.length;
        lastAnswer.set(ctx, { key, bytes });
        return deliver(ctx, bytes, outPtr, outCap);
      });
    },
  };
}

function deliver(ctx: CallContext, bytes: Uint8Array, outPtr: number, outCap: number): number {
  if (!ctx.write(outPtr, bytes.subarray(0, Math.min(outCap, bytes.length)))) return E.INVAL;
  return bytes.length;
}
