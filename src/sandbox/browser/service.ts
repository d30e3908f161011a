import type { MessagePort } from 'node:worker_threads';
import type { Browser } from 'playwright-core';
import { E } from '../errno.js';
import type { RenderReply, RenderRequest, RenderResult } from './messages.js';
import { ScopedProxy } from './scoped-proxy.js';

/** Debian's Chromium; WASMAP_CHROMIUM names another build. */
export const CHROMIUM = process.env['WASMAP_CHROMIUM'] || '/usr/bin/chromium';

/**
 * Flags that keep Chromium itself off the network: no background requests,
 * no QUIC (UDP around the proxy), no name resolution of its own (every page
 * connection goes to the scoped proxy on 127.0.0.1, names unresolved), no
 * WebRTC UDP outside a proxy. Playwright adds its own set (a new empty
 * --user-data-dir, --headless, ...); `--no-sandbox` only as root.
 */
export const CHROMIUM_FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-domain-reliability',
  '--dns-prefetch-disable',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
];

const asRoot = (): boolean => process.getuid?.() === 0;

class RenderError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Chromium's net error of a failed navigation as an ABI code. */
function navErrno(msg: string): number {
  if (/ERR_CONNECTION_REFUSED/.test(msg)) return E.CONNREFUSED;
  if (/ERR_CONNECTION_RESET|ERR_CONNECTION_CLOSED|ERR_EMPTY_RESPONSE/.test(msg)) return E.CONNRESET;
  if (/ERR_SSL|ERR_CERT/.test(msg)) return E.TLS;
  if (/ERR_TUNNEL_CONNECTION_FAILED|ERR_ADDRESS_UNREACHABLE|ERR_NAME_NOT_RESOLVED/.test(msg)) return E.UNREACH;
  if (/Timeout|timed out/i.test(msg)) return E.TIMEDOUT;
  return E.IO;
}

/**
 * The browser host service of a worker pool (ABI A12), on the main thread:
 * one headless Chromium, launched on the first render and closed with the
 * pool, so a worker stopped by the watchdog leaves no browser behind. Each
 * worker renders one page at a time (its requests queue); each page gets
 * its own browser context, whose only way out is a ScopedProxy to the
 * invocation's target.
 */
export class BrowserService {
  #browser: Promise<Browser> | undefined;
  #closed = false;
  readonly #ports = new Set<MessagePort>();
  readonly #pending = new Set<Promise<unknown>>();

  /** Serves one worker's port: its requests run one after another. */
  attach(port: MessagePort): void {
    let queue: Promise<void> = Promise.resolve();
    this.#ports.add(port);
    port.on('message', (req: RenderRequest) => {
      const queued = performance.now();
      queue = queue.then(async () => {
        const left = req.timeoutMs - (performance.now() - queued);
        const reply = await this.#render(req, left);
        try {
          port.postMessage(reply, 'ok' in reply ? [reply.ok.image.buffer as ArrayBuffer] : []);
        } catch {
          /* the worker is gone */
        }
      });
      this.#track(queue);
    });
    port.on('close', () => this.#ports.delete(port));
    port.unref(); // the pool's workers keep the process alive, not this port
  }

  #track(p: Promise<unknown>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  #launch(): Promise<Browser> {
    this.#browser ??= import('playwright-core').then(({ chromium }) =>
      chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: !asRoot(), args: CHROMIUM_FLAGS }),
    );
    // a failed launch is tried again by the next render
    this.#browser.catch(() => (this.#browser = undefined));
    return this.#browser;
  }

  async #render(req: RenderRequest, timeoutMs: number): Promise<RenderReply> {
    try {
      return { rid: req.rid, ok: await this.#page(req, timeoutMs) };
    } catch (e) {
      const code = e instanceof RenderError ? e.code : navErrno((e as Error).message);
      return { rid: req.rid, code, message: (e as Error).message.split('\n')[0]!.slice(0, 300) };
    }
  }

  async #page(req: RenderRequest, timeoutMs: number): Promise<RenderResult> {
    if (this.#closed) throw new RenderError(E.IO, 'the plugin runtime is closing');
    const deadline = performance.now() + timeoutMs;
    const left = (): number => {
      const ms = deadline - performance.now();
      if (ms < 1) throw new RenderError(E.TIMEDOUT, `render did not finish within ${Math.round(timeoutMs)} ms`);
      return ms;
    };
    left();
    let browser: Browser;
    try {
      browser = await withTimeout(this.#launch(), left());
    } catch (e) {
      if (e instanceof RenderError) throw e;
      throw new RenderError(E.IO, `chromium (${CHROMIUM}) did not start: ${(e as Error).message.split('\n')[0]}`);
    }
    const proxy = await ScopedProxy.start(req.ip, req.port, req.names);
    const context = await browser.newContext({
      proxy: { server: proxy.url },
      viewport: { width: req.width, height: req.height },
      ignoreHTTPSErrors: true,
      serviceWorkers: 'block',
      acceptDownloads: false,
      javaScriptEnabled: true,
    });
    try {
      const page = await context.newPage();
      const res = await page.goto(req.url, { waitUntil: 'load', timeout: left() });
      let image = await page.screenshot({ type: 'png', timeout: left() });
      let format: 'png' | 'jpeg' = 'png';
      if (image.length > req.maxBytes) {
        image = await page.screenshot({ type: 'jpeg', quality: 60, timeout: left() });
        format = 'jpeg';
      }
      if (image.length > req.maxBytes) throw new RenderError(E.LIMIT, `screenshot of ${image.length} bytes is over the cap of ${req.maxBytes}`);
      return {
        url: page.url(),
        status: res?.status() ?? 0,
        title: (await page.title()).slice(0, 1024),
        format,
        image: new Uint8Array(image),
        width: req.width,
        height: req.height,
        blocked: proxy.blocked,
        blockedUrls: proxy.blockedUrls,
      };
    } finally {
      await context.close().catch(() => {});
      await proxy.close();
    }
  }

  /** Closes Chromium (and its processes); renders in flight fail and close their proxies. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#ports) p.close();
    const b = this.#browser;
    this.#browser = undefined;
    if (b) await b.then((x) => x.close(), () => {});
    await Promise.allSettled([...this.#pending]);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RenderError(E.TIMEDOUT, `chromium did not start within ${Math.round(ms)} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
