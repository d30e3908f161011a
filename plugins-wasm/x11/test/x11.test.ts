// The x11 scanner plugin on real Xvfb servers on loopback TCP displays: one
// with access control off (-ac), one with it on (-auth). Vendor, release,
// root and extensions are checked against xdpyinfo on the same display, the
// screenshot pixel by pixel against what the test painted on the root window.
//   npx vitest run plugins-wasm/x11
// Xvfb listens on its unix socket only; socat carries 127.0.0.1:6000+N to it
// (test/support/remote-display.ts: -listen tcp would bind every address).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { crc32, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePlugin } from '../../../test/support/plugin-harness.js';
import { decodePng as decodeAnyPng, differingPixels, importRoot, paintRoot as paintPicture, stopAll, stopDisplay, xauthFile, xvfb } from '../../../test/support/remote-display.js';

const WIDTH = 320;
const HEIGHT = 200;

interface Screen { root: number; width: number; height: number; depth: number }
interface X11Data {
  status: string; protocol_version: string; auth_required: boolean; reason?: string;
  vendor: string; release: number; version: string; screens: Screen[]; extensions: string[];
  screenshot?: Uint8Array; screenshot_format?: string; screenshot_width?: number; screenshot_height?: number; screenshot_skipped?: string;
}

const BACKGROUND = [0x33, 0x66, 0x99];
const RECT = { x: 10, y: 20, w: 30, h: 40, rgb: [0xff, 0x80, 0x00] };


/** A reader of exact byte counts over a socket (one data listener, nothing lost between reads). */
function reader(sock: Socket): (n: number) => Promise<Buffer> {
  let got = Buffer.alloc(0);
  let wake = (): void => {};
  sock.on('data', (d: Buffer) => { got = Buffer.concat([got, d]); wake(); });
  return async (n) => {
    while (got.length < n) {
      await new Promise<void>((resolve, reject) => {
        wake = resolve;
        sock.once('close', () => reject(new Error('X server closed the connection')));
      });
    }
    const out = got.subarray(0, n);
    got = got.subarray(n);
    return out;
  };
}

/**
 * Paints the root window of display :n with hand-built X11 requests (not the
 * plugin's code): background BACKGROUND, then RECT filled. The connection
 * stays open until the caller ends it so nothing is repainted in between.
 */
async function paintRoot(n: number): Promise<Socket> {
  const sock = connect(6000 + n, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const read = reader(sock);
  sock.write(Buffer.from([0x6c, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  const head = await read(8);
  expect(head[0]).toBe(1);
  const setup = await read(head.readUInt16LE(6) * 4);
  const idBase = setup.readUInt32LE(4);
  const vendorLen = setup.readUInt16LE(16);
  const root = setup.readUInt32LE(32 + ((vendorLen + 3) & ~3) + 8 * setup[21]!);
  const px = (rgb: number[]): number => (rgb[0]! << 16) | (rgb[1]! << 8) | rgb[2]!;
  const req = (...words: number[]): Buffer => {
    const b = Buffer.alloc(words.length * 4);
    words.forEach((w, i) => b.writeUInt32LE(w >>> 0, i * 4));
    return b;
  };
  const gc = idBase + 1;
  sock.write(Buffer.concat([
    req(2 | (4 << 16), root, 0x2, px(BACKGROUND)), // ChangeWindowAttributes background-pixel
    req(61 | (4 << 16), root, 0, 0), // ClearArea, whole window
    req(55 | (5 << 16), gc, root, 0x4, px(RECT.rgb)), // CreateGC foreground
    req(70 | (5 << 16), root, gc, RECT.x | (RECT.y << 16), RECT.w | (RECT.h << 16)), // PolyFillRectangle
    req(43 | (1 << 16)), // GetInputFocus: its reply means all the above are done
  ]));
  const reply = await read(32);
  expect(reply[0], 'GetInputFocus reply, not an X error').toBe(1);
  return sock;
}

/** The pixels of a PNG as encodePng writes it (colour type 6, filter 0), every CRC checked. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const idat: Buffer[] = [];
  let width = 0, height = 0;
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    expect(png.readUInt32BE(at + 8 + len), `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); expect(data[9]).toBe(6); }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  return { width, height, rgba };
}

describe('the x11 scanner plugin, on real Xvfb servers', () => {
  const under = usePlugin('x11');
  let open = 0;
  let locked = 0;
  let xdpy = '';
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-x11-'));

  beforeAll(async () => {
    open = await xvfb(['-ac'], `${WIDTH}x${HEIGHT}x24`, 40, 240);
    locked = await xvfb((n) => ['-auth', xauthFile(dir, n)], `${WIDTH}x${HEIGHT}x24`, open + 1, 240);
    const r = spawnSync('xdpyinfo', ['-display', `127.0.0.1:${open}`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    xdpy = r.stdout;
  }, 60_000);
  afterAll(() => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is an active scanner for ports 6000-6010 or any port named x11', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'x11', kind: 'scanner', capabilities: ['network'],
      match: { ports: Array.from({ length: 11 }, (_, i) => 6000 + i), services: ['x11'], transport: 'tcp' },
    });
  });

  it('reports an open server as xdpyinfo sees it, with a screenshot of what was painted and no finding of its own (misconfig reports it)', async () => {
    const painter = await paintRoot(open);
    const r = await under.scan(6000 + open);
    painter.destroy();
    expect(r.status).toBe('success');
    const d = r.data as X11Data;
    const line = (k: string): string => new RegExp(`^${k}:\\s+(.*)$`, 'm').exec(xdpy)![1]!;
    const version = line('X.Org version');
    expect(d).toMatchObject({
      status: 'success', protocol_version: line('version number'), auth_required: false,
      vendor: line('vendor string'), release: Number(line('vendor release number')), version,
      screens: [{ width: WIDTH, height: HEIGHT, depth: 24 }], screenshot_format: 'png', screenshot_width: WIDTH, screenshot_height: HEIGHT,
    });
    expect(d.screens[0]!.root).toBe(Number(/root window id:\s+(0x[0-9a-f]+)/.exec(xdpy)![1]));
    const exts = xdpy.slice(xdpy.indexOf('number of extensions'), xdpy.indexOf('default screen number')).split('\n').slice(1).map((s) => s.trim()).filter(Boolean);
    expect(exts.length).toBeGreaterThan(5);
    expect([...d.extensions].sort()).toEqual([...exts].sort());
    expect(r.service).toMatchObject({ name: 'x11', product: 'X.Org', version });
    expect(r.summary).toBe(`X.Org ${version}, 1 screen ${WIDTH}x${HEIGHT}x24, open (no auth), screenshot ${WIDTH}x${HEIGHT}`);
    expect(r.findings ?? []).toEqual([]);

    const png = decodePng(Buffer.from(d.screenshot!));
    expect([png.width, png.height]).toEqual([WIDTH, HEIGHT]);
    const want = Buffer.alloc(WIDTH * HEIGHT * 4);
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        const inRect = x >= RECT.x && x < RECT.x + RECT.w && y >= RECT.y && y < RECT.y + RECT.h;
        want.set([...(inRect ? RECT.rgb : BACKGROUND), 0xff], (y * WIDTH + x) * 4);
      }
    }
    expect(png.rgba.equals(want)).toBe(true);
  });

  it('reports access control on with the reason and no screenshot', async () => {
    const r = await under.scan(6000 + locked);
    expect(r.status).toBe('success');
    const d = r.data as X11Data;
    expect(d).toMatchObject({ status: 'failed', protocol_version: '11.0', auth_required: true });
    expect(d.reason).toBe('Authorization required, but no authorization protocol specified'); // Xorg's words, without its newline
    expect(d.screenshot).toBeUndefined();
    expect(r.summary).toBe(`access control on: ${d.reason}`);
    expect(r.findings ?? []).toEqual([]);
    expect(r.service).toMatchObject({ name: 'x11' });
  });

  it('skips a screenshot over max_screenshot_bytes and says so', async () => {
    const r = await under.scan(6000 + open, { max_screenshot_bytes: 65536 });
    expect(r.status).toBe('success');
    const d = r.data as X11Data;
    expect(d.screenshot).toBeUndefined();
    expect(d.screenshot_skipped).toBe(`${WIDTH}x${HEIGHT} is over max_screenshot_bytes (65536)`);
    expect(r.summary).toMatch(/, open \(no auth\), no screenshot \(320x200 is over max_screenshot_bytes \(65536\)\)$/);
  });

  it('takes a 1024x768 screen whole: compressed under the 1 MiB result, every pixel as import -window root grabs it', async () => {
    const n = await xvfb(['-ac'], '1024x768x24'); // :0-:10, the plugin's own ports
    try {
      paintPicture(n, join(dir, 'picture.png'));
      const reference = importRoot(n);
      const r = await under.scan(6000 + n);
      expect(r.status).toBe('success');
      const d = r.data as X11Data;
      expect([d.screenshot_width, d.screenshot_height], d.screenshot_skipped).toEqual([1024, 768]);
      expect(d.screenshot!.length).toBeLessThan(960000); // stored, 1024x768 RGBA is 3,146,520 bytes
      expect(differingPixels(decodeAnyPng(d.screenshot!), reference)).toBe(0);
    } finally {
      stopDisplay(n);
    }
  });

  it('skips a screen of noise, which no deflate brings under the result limit, and says how big its PNG was', async () => {
    const n = await xvfb(['-ac'], '640x480x24');
    try {
      paintPicture(n, join(dir, 'noise.png'), ['-size', '640x480', 'xc:', '+noise', 'Random']);
      const r = await under.scan(6000 + n);
      expect(r.status).toBe('success');
      const d = r.data as X11Data;
      expect(d.screenshot).toBeUndefined();
      // stored: 640x480 RGBA plus a filter byte a row, zlib and PNG framing
      expect(d.screenshot_skipped).toMatch(/^PNG of 12\d{5} bytes is over the result's 960000$/);
    } finally {
      stopDisplay(n);
    }
  });
});
