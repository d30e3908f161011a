/**
 * The HTML report in a real headless Chromium (Debian's, driven by
 * playwright-core): loaded from file:// it makes no request but for itself
 * and logs nothing, its filters and search change what is visible, a
 * hostile plugin's strings stay text, and a scan stopped by Ctrl-C leaves a
 * complete page that says so.
 *
 * WASMAP_SCREENSHOT=docs/report-screenshot.png also saves the report's
 * screenshot there (the README's picture).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createWriter } from '../../src/report/writer.js';
import type { ScanEvent } from '../../src/model/event.js';
import { runCli, spawnCli, parseJsonl } from '../support/cli.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../support/services.mjs';

const SERVICES = ['ssh', 'http', 'redis'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Loaded {
  page: Page;
  requests: string[];
  /** console messages of any type, and uncaught errors */
  messages: string[];
}

describe('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let ports: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-html-'));
  const list = (): string => SERVICES.map((s) => ports[s]).join(',');

  beforeAll(async () => {
    const running: { name: string; port: number }[] = await startServices(SERVICES);
    ports = Object.fromEntries(running.map((s) => [s.name, s.port]));
    // as root Chromium needs --no-sandbox; the page it loads is our own file
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await stopServices(SERVICES);
    rmSync(dir, { recursive: true, force: true });
  });

  async function load(file: string): Promise<Loaded> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const messages: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => messages.push(`dialog: ${d.message()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, requests, messages };
  }

  /** data-port of each port row the user can see */
  const visiblePorts = (page: Page): Promise<string[]> =>
    page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('article.port')).filter((e) => e.checkVisibility()).map((e) => e.dataset.port!));
  const visibleSeverities = (page: Page): Promise<string[]> =>
    page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('li.finding')).filter((e) => e.checkVisibility()).map((e) => e.dataset.severity!));

  it('shows a real scan from file:// with no request but the file, filters it, and is photographed', async () => {
    const jsonl = join(dir, 'scan.jsonl');
    const html = join(dir, 'report.html');
    const r = await runCli(['scan', '127.0.0.1', '-p', list(), '-q', '-o', jsonl, '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    const { page, requests, messages } = await load(html);
    expect(requests).toEqual([pathToFileURL(html).href]);
    expect(messages).toEqual([]);

    // every port, then the host row; one list item per plugin result of the JSONL written alongside
    const all = [String(ports.ssh), String(ports.http), String(ports.redis), '0'];
    expect(await visiblePorts(page)).toEqual(all);
    const results = parseJsonl(readFileSync(jsonl, 'utf8')).filter((e) => 'status' in e.result && e.origin.type !== 'finding' && e.target.ip);
    expect(await page.locator('li.result').count()).toBe(results.length);
    const redis = page.locator(`article.port[data-port="${ports.redis}"]`);
    await expect(redis.locator('li.finding[data-severity="high"]').textContent()).resolves.toMatch(/redis-no-auth/);
    await expect(page.locator(`article.port[data-port="${ports.ssh}"] .service`).textContent()).resolves.toMatch(/^ssh OpenSSH /);
    await expect(page.locator('header').textContent()).resolves.toMatch(/Profile\s*default/);

    // severity=high: the redis port with its high finding, nothing else
    await page.selectOption('#f-severity', 'high');
    expect(await visiblePorts(page)).toEqual([String(ports.redis)]);
    expect(await visibleSeverities(page)).toEqual(['high']);
    await page.selectOption('#f-severity', 'low');
    expect(await visiblePorts(page)).toEqual([]);
    expect(await page.locator('#empty').isVisible()).toBe(true);
    await page.selectOption('#f-severity', '');

    // a service hides the other ports (and the host row, which has none)
    await page.selectOption('#f-service', 'ssh');
    expect(await visiblePorts(page)).toEqual([String(ports.ssh)]);
    await page.selectOption('#f-service', '');

    // the search narrows to the rows that contain it, collapsed plugin data included
    await page.fill('#f-search', 'nginx');
    expect(await visiblePorts(page)).toEqual([String(ports.http)]);
    await page.fill('#f-search', 'misconfig');
    expect(await visiblePorts(page)).toEqual([String(ports.redis), '0']);
    await page.fill('#f-search', '');
    expect(await visiblePorts(page)).toEqual(all);
    expect(await page.locator('#f-count').textContent()).toBe('4 rows, 1 finding shown');

    await page.locator('#f-search').blur();
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // IHDR: the page's width and height
    expect(shot.readUInt32BE(16)).toBeGreaterThan(0);
    expect(shot.readUInt32BE(20)).toBeGreaterThan(0);
    if (process.env.WASMAP_SCREENSHOT) writeFileSync(process.env.WASMAP_SCREENSHOT, shot);
    expect(messages).toEqual([]);
    await page.close();
  });

  it("keeps a hostile plugin's strings as text, shows its PNG screenshot, and filters by host", async () => {
    // a real PNG, made by this Chromium
    const shotPage = await browser.newPage({ viewport: { width: 40, height: 30 } });
    const png = new Uint8Array(await shotPage.screenshot());
    await shotPage.close();
    const evil = `</pre></script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><link rel=stylesheet href="http://127.0.0.1:1/x.css">\u202e`;
    const at = (ip: string, port: number) => ({ ip, port, protocol: 'tcp' as const, ...(ip === '127.0.0.1' ? { hostname: `${evil}.example` } : {}) });
    const origin = (type: string, module: 'portscan' | 'grabber' | 'error', ip: string, port: number) => ({ type, module, ts: 1_700_000_000_000, ip, port, job_id: 'j' });
    const events: ScanEvent[] = [
      { origin: origin('portscan', 'portscan', '127.0.0.1', 80), target: at('127.0.0.1', 80), result: { data: { state: { state: 'open', reason: 'syn-ack' } } } },
      { origin: origin('portscan', 'portscan', '127.0.0.2', 81), target: at('127.0.0.2', 81), result: { data: { state: { state: 'open', reason: 'syn-ack' } } } },
      {
        origin: origin(evil, 'grabber', '127.0.0.1', 80),
        target: at('127.0.0.1', 80),
        result: {
          status: 'success',
          summary: evil,
          service: { name: `http"${evil}`, product: evil },
          data: { [evil]: evil, shot: png, fake: `data:image/png;base64,iVBORw0KGgo" onerror="window.__pwned=3`, nested: { again: Buffer.from(png) } },
          findings: [{ id: evil, title: evil, severity: 'critical', evidence: evil }, { id: 'x', title: 'odd', severity: `high"><script>window.__pwned=4</script>` }],
        },
      },
      { origin: origin('web', 'grabber', '127.0.0.2', 81), target: at('127.0.0.2', 81), result: { status: 'success', summary: 'second host', data: {}, findings: [{ id: 'y', title: 'low one', severity: 'low' }] } },
      { origin: origin('misconfig', 'grabber', '127.0.0.1', 0), target: at('127.0.0.1', 0), result: { status: 'error', error: evil, data: {} } },
      { origin: origin(evil, 'error', '', 0), target: { ip: '', port: 0, protocol: 'tcp' }, result: { status: 'load-error', error: evil, data: {} } },
    ];
    const file = join(dir, 'hostile.html');
    const w = createWriter('html', createWriteStream(file));
    for (const ev of events) w.write(ev);
    await w.close();

    const { page, requests, messages } = await load(file);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(messages).toEqual([]);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('link, iframe, object, embed').count()).toBe(0);
    // the hostile title reads as it was sent (the bidi override shown as \u202e)
    const shown = evil.replace('\u202e', '\\u202e');
    await expect(page.locator('li.finding[data-severity="critical"]').textContent()).resolves.toContain(shown);
    await expect(page.locator('section.errors').textContent()).resolves.toContain(shown);
    // two images, both the PNG; the string that only looks like one stays text
    const widths = await page.locator('img.shot').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(widths.length).toBe(2);
    for (const width of widths) expect(width).toBeGreaterThan(0);

    await page.selectOption('#f-host', '127.0.0.2');
    expect(await visiblePorts(page)).toEqual(['81']);
    expect(await page.locator('section.host[data-host="127.0.0.1"]').isVisible()).toBe(false);
    await page.selectOption('#f-host', '');
    await page.selectOption('#f-severity', 'critical');
    expect(await visiblePorts(page)).toEqual(['80']);
    expect(await visibleSeverities(page)).toEqual(['critical']);
    expect(messages).toEqual([]);
    await page.close();
  });

  it('leaves a complete page that says it was interrupted when the scan gets SIGINT', async () => {
    const html = join(dir, 'interrupted.html');
    const child = spawnCli(['scan', '127.0.0.1', '-p', list(), '-q', '-f', 'jsonl', '--html', html]);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // the scan is under way once its first event is out
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const text = readFileSync(html, 'utf8');
    expect(text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(text.endsWith('</html>\n')).toBe(true);
    const { page, requests, messages } = await load(html);
    expect(requests).toEqual([pathToFileURL(html).href]);
    expect(messages).toEqual([]);
    await expect(page.locator('#interrupted').textContent()).resolves.toBe('Interrupted by SIGINT: partial results');
    await page.close();
  });
});
