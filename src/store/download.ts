import { STATUS_CODES } from 'node:http';
import { StoreError } from './store-error.js';

/**
 * Fetches a plugin, a signature or an index over HTTP(S) with the limits the
 * issue asks for: a size cap, one deadline for the whole exchange, and
 * redirects followed by hand so that each hop is checked (same host, or a
 * host the user allowed; never https → http). Every refusal is a one-line
 * StoreError that names the URL; an abort by the caller's signal rejects with
 * the signal's own reason and closes the connection.
 */

export interface DownloadOptions {
  /** refuse a body larger than this: early on Content-Length, else while streaming */
  maxBytes: number;
  /** the whole download (connect, headers, every redirect, body) must finish within this */
  timeoutMs: number;
  /** other hosts a redirect may lead to: `host` (any port) or `host:port` */
  allowRedirectHosts?: string[];
  signal?: AbortSignal;
  /** default 5 */
  maxRedirects?: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout fires at once beyond this

export async function download(url: string, opts: DownloadOptions): Promise<{ bytes: Buffer; finalUrl: string }> {
  let current = httpUrl(url);
  if (!current) throw new StoreError(`not an http(s) URL: ${quote(url)}`);
  const origin = current;
  opts.signal?.throwIfAborted();

  // One controller for every hop: the deadline and the caller's signal both end it.
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new StoreError('timeout'));
  }, Math.min(Math.max(opts.timeoutMs, 0), MAX_TIMER_MS));
  const onAbort = (): void => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const seen = new Set([current.href]);
  let inBody = false;
  let got = 0;
  let declared: number | undefined;
  try {
    for (let hops = 0; ; hops++) {
      const res = await fetch(current, {
        redirect: 'manual',
        signal: ac.signal,
        // the bytes as published: sha256 and the size cap apply to them, not to a decoded form
        headers: { 'accept-encoding': 'identity' },
      });
      if (REDIRECT_STATUSES.has(res.status)) {
        await res.body?.cancel();
        const next = redirectTarget(current, origin, res.status, res.headers.get('location'), hops, opts);
        if (seen.has(next.href)) throw new StoreError(`${current.href}: redirect loop back to ${next.href}`);
        seen.add(next.href);
        current = next;
        continue;
      }
      if (res.status < 200 || res.status > 299) {
        throw new StoreError(`${current.href}: HTTP ${res.status}${STATUS_CODES[res.status] ? ` ${STATUS_CODES[res.status]}` : ''}`, { status: res.status });
      }
      const length = res.headers.get('content-length');
      declared = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
      if (declared !== undefined && declared > opts.maxBytes) {
        throw new StoreError(`${current.href}: larger than ${opts.maxBytes} bytes (Content-Length ${declared})`);
      }
      const chunks: Buffer[] = [];
      if (res.body) {
        inBody = true;
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          got += value.byteLength;
          if (got > opts.maxBytes) throw new StoreError(`${current.href}: larger than ${opts.maxBytes} bytes`);
          chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        }
      }
      // undici already fails a short body; this also covers a body it decoded
      if (declared !== undefined && got < declared && !res.headers.has('content-encoding')) throw truncated(current, got, declared);
      return { bytes: Buffer.concat(chunks, got), finalUrl: current.href };
    }
  } catch (e) {
    ac.abort(); // a refusal mid-body must not leave the socket open (no-op when already aborted)
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (timedOut) throw new StoreError(`${current.href}: no answer within ${opts.timeoutMs} ms`, { cause: e });
    if (e instanceof StoreError) throw e;
    // undici ends a body cut short by the server with TypeError('terminated')
    if (inBody && e instanceof Error && e.message === 'terminated') throw truncated(current, got, declared);
    throw new StoreError(`${current.href}: ${inBody ? 'download failed' : 'request failed'} (${describe(e)})`, { cause: e });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function truncated(u: URL, got: number, declared: number | undefined): StoreError {
  return new StoreError(`${u.href}: truncated download (got ${got} of ${declared ?? 'an unknown number of'} bytes)`);
}

/** Checks one redirect hop and returns where it leads. */
function redirectTarget(from: URL, origin: URL, status: number, location: string | null, hops: number, opts: DownloadOptions): URL {
  const max = opts.maxRedirects ?? 5;
  if (hops >= max) throw new StoreError(`${from.href}: more than ${max} redirects`);
  if (location === null) throw new StoreError(`${from.href}: redirect ${status} without a Location`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new StoreError(`${from.href}: redirects to an unparsable location ${quote(location)}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new StoreError(`${from.href}: redirects to a ${next.protocol} URL; only http and https are fetched`);
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw new StoreError(`${from.href}: redirects from https to http (${next.href}); refused`);
  }
  if (next.host !== origin.host && !hostAllowed(next, opts.allowRedirectHosts ?? [])) {
    throw new StoreError(`${from.href}: redirects to another host ${next.host}; allow it with allow_redirect_hosts in config.toml`);
  }
  return next;
}

/** `host` matches the host on any port; `host:port` that port only ([::1]:8080 for IPv6). */
function hostAllowed(u: URL, entries: readonly string[]): boolean {
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return entries.some((entry) => {
    const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry.trim());
    if (!m) return false;
    const host = httpUrl(`http://${m[1]}/`)?.hostname; // same normalisation as the redirect target
    return host === u.hostname && (m[2] === undefined || Number(m[2]) === port);
  });
}

function httpUrl(text: string): URL | undefined {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** Text from the user or a server, quoted on one line and cut short. */
function quote(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

function describe(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 200);
}
