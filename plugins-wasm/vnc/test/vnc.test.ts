import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { tcpServer, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';

interface VncData {
  server_version: string; version: string; security_types: { id: number; name: string }[]; auth_required: boolean;
  desktop_name?: string; width?: number; height?: number; pixel_format?: { bits_per_pixel: number; depth: number; true_colour: boolean };
  screenshot?: Uint8Array; screenshot_format?: string; screenshot_width?: number; screenshot_height?: number; screenshot_skipped?: string;
  failure_reason?: string;
}

/** The root window colour the test paints with xsetroot (a tool independent of the VNC server). */
const ROOT = [0xff, 0x80, 0x00];

/**
 * An Xvfb on a display it picks itself (-displayfd), ready once it names it,
 * with the root painted by xsetroot; -noreset keeps the colour when xsetroot,
 * its only client, leaves. Stopped by PID after the file.
 */
async function xvfb(screen: string, procs: ChildProcess[]): Promise<string> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', screen, '-nolisten', 'tcp', '-noreset'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  procs.push(proc);
  const n = await new Promise<string>((resolve, reject) => {
    let got = '';
    (proc.stdio[3] as Readable).on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\n')) resolve(got.trim());
    });
    proc.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  const display = `:${n}`;
  const set = spawnSync('xsetroot', ['-display', display, '-solid', '#ff8000']);
  if (set.status !== 0) throw new Error(`xsetroot failed: ${set.stderr}`);
  return display;
}

/** Width, height and RGBA rows of an 8-bit RGBA PNG, decoded with Node's zlib (filter type 0 rows, as the SDK writes). */
function decodePng(png: Uint8Array): { width: number; height: number; pixel: (x: number, y: number) => number[] } {
  const b = Buffer.from(png);
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const body = b.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect([body[8], body[9]]).toEqual([8, 6]); // 8-bit RGBA
    }
    if (type === 'IDAT') idat.push(body);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (width * 4 + 1));
  return {
    width, height,
    pixel: (x, y) => {
      const at = y * (width * 4 + 1);
      expect(raw[at]).toBe(0);
      return [...raw.subarray(at + 1 + x * 4, at + 1 + x * 4 + 4)];
    },
  };
}

/** Every pixel of the screenshot, within `tolerance` of the root colour, opaque. */
function expectRoot(png: Uint8Array, width: number, height: number, tolerance: number): void {
  const img = decodePng(png);
  expect([img.width, img.height]).toEqual([width, height]);
  let off = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = img.pixel(x, y);
      if (a !== 255 || Math.abs(r! - ROOT[0]!) > tolerance || Math.abs(g! - ROOT[1]!) > tolerance || Math.abs(b! - ROOT[2]!) > tolerance) off++;
    }
  }
  expect(off).toBe(0);
}

describe('the vnc scanner plugin, on real x11vnc servers over Xvfb', () => {
  const under = usePlugin('vnc');
  const xservers: ChildProcess[] = [];
  let open = 0; // RFB 3.8, no password, 24-bit 320x200
  let locked = 0; // RFB 3.7 advertised, a password
  let old = 0; // RFB 3.3 advertised, no password, 16-bit 256x128
  let proxy: TestServer;
  let upstream = 0;
  const stream: Buffer[] = [];
  const x11vnc = (display: string, port: number, ...more: string[]): string[] =>
    ['-display', display, '-rfbport', String(port), '-localhost', '-forever', '-shared', '-noxdamage', '-nocursor', ...more];

  beforeAll(async () => {
    const d24 = await xvfb('320x200x24', xservers);
    const d16 = await xvfb('256x128x16', xservers);
    ({ port: open } = await under.daemon('x11vnc', (port) => x11vnc(d24, port, '-nopw', '-desktop', 'wasmap-vnc')));
    ({ port: locked } = await under.daemon('x11vnc', (port) => x11vnc(d24, port, '-passwd', 'secret', '-rfbversion', '3.7')));
    ({ port: old } = await under.daemon('x11vnc', (port) => x11vnc(d16, port, '-nopw', '-rfbversion', '3.3', '-desktop', 'wasmap-16')));
    // a loopback relay to the open server that keeps what the server sent, for the replay tests
    proxy = await tcpServer((s: Socket) => {
      const up = connect(upstream, '127.0.0.1');
      s.on('data', (d: Buffer) => up.write(d));
      up.on('data', (d: Buffer) => { stream.push(d); s.write(d); });
      up.on('end', () => s.end());
      up.on('error', () => s.destroy());
      s.on('close', () => up.destroy());
    });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    for (const p of xservers) if (p.pid && p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGTERM');
  });

  it('is an active scanner for ports 5900-5910 or any port named vnc', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'vnc', kind: 'scanner', capabilities: ['network'],
      match: { ports: Array.from({ length: 11 }, (_, i) => 5900 + i), services: ['vnc'], transport: 'tcp' },
    });
  });

  it('reads RFB 3.8, security None, the desktop and a screenshot whose every pixel is the root colour xsetroot painted', async () => {
    const r = await under.scan(open);
    expect(r.status).toBe('success');
    const d = r.data as VncData;
    expect(d).toMatchObject({
      server_version: '3.8', version: '3.8', security_types: [{ id: 1, name: 'None' }], auth_required: false,
      desktop_name: 'wasmap-vnc', width: 320, height: 200, screenshot_format: 'png', screenshot_width: 320, screenshot_height: 200,
      pixel_format: { bits_per_pixel: 32, depth: 24, true_colour: true },
    });
    expectRoot(d.screenshot!, 320, 200, 0);
    expect(r.summary).toBe("RFB 3.8, security None, desktop 'wasmap-vnc', 320x200, screenshot");
    // the finding is misconfig's (plugins-wasm/misconfig/test/misconfig-remote-display.test.ts)
    expect(r.findings ?? []).toEqual([]);
    expect(r.service).toEqual({ name: 'vnc', extrainfo: 'protocol 3.8', confidence: 1 });
  });

  it('answers 3.7 to a 3.7 server and stops at VNC Authentication: auth required', async () => {
    const r = await under.scan(locked);
    expect(r.status).toBe('success');
    expect(r.data).toEqual({ server_version: '3.7', version: '3.7', security_types: [{ id: 2, name: 'VNC Authentication' }], auth_required: true });
    expect(r.summary).toBe('RFB 3.7, security VNC Authentication, auth required');
    expect(r.findings ?? []).toEqual([]);
  });

  it('speaks 3.3 (one server-chosen type) and asks a 16-bit server for 32-bit pixels', async () => {
    const r = await under.scan(old);
    expect(r.status).toBe('success');
    const d = r.data as VncData;
    expect(d).toMatchObject({
      server_version: '3.3', version: '3.3', security_types: [{ id: 1, name: 'None' }], auth_required: false,
      desktop_name: 'wasmap-16', width: 256, height: 128, pixel_format: { bits_per_pixel: 16, depth: 16, true_colour: true },
    });
    // RGB565 keeps 5/6/5 bits of each channel: the server's expansion back to 8 bits may differ by a few steps
    expectRoot(d.screenshot!, 256, 128, 8);
    expect(r.summary).toBe("RFB 3.3, security None, desktop 'wasmap-16', 256x128, screenshot");
  });

  it('skips a framebuffer over max_screenshot_bytes and says so', async () => {
    const r = await under.scan(open, { max_screenshot_bytes: 4096 });
    expect(r.status).toBe('success');
    const d = r.data as VncData;
    expect(d.screenshot).toBeUndefined();
    expect(d.screenshot_skipped).toBe('framebuffer of 256000 bytes is over max_screenshot_bytes (4096)');
    expect(r.summary).toBe("RFB 3.8, security None, desktop 'wasmap-vnc', 320x200, screenshot skipped");
  });

  describe('replaying bytes on loopback', () => {
    let bytes: Buffer;
    let first: InvocationResult;
    let replay: TestServer;
    let current = Buffer.alloc(0);
    const fake = (b: Buffer | number[], config: Record<string, unknown> = {}): Promise<InvocationResult> => {
      current = Buffer.from(b);
      return under.scan(replay.port, { timeout_ms: 1000, ...config });
    };
    const rfb38 = (init: Buffer): Buffer => Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1, 0, 0, 0, 0]), init]);
    const serverInit = (w: number, h: number, name: string, nameLength = name.length): Buffer => {
      const b = Buffer.alloc(24);
      b.writeUInt16BE(w, 0);
      b.writeUInt16BE(h, 2);
      Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0]).copy(b, 4);
      b.writeUInt32BE(nameLength, 20);
      return Buffer.concat([b, Buffer.from(name)]);
    };

    beforeAll(async () => {
      upstream = open;
      first = await under.scan(proxy.port);
      bytes = Buffer.concat(stream);
      // the server's bytes up front, whatever the client says; then the end of the stream
      replay = await tcpServer((s: Socket) => { s.resume(); s.end(current); });
    });
    afterAll(async () => { await replay?.close(); });

    it('gets the same result from the recorded server bytes as from the server', async () => {
      expect(first.status).toBe('success');
      const r = await fake(bytes);
      expect(r.status).toBe('success');
      expect(r.data).toEqual(first.data);
    });

    it('never traps on a cut stream: every prefix through the first pixels is a protocol-error that keeps what was read', async () => {
      const header = 12 + 1 + 1 + 4 + 24 + 'wasmap-vnc'.length; // version, types, SecurityResult, ServerInit
      const cuts = [...Array.from({ length: header + 4 + 12 + 9 }, (_, i) => i), bytes.length - 1];
      expect(bytes.length).toBe(header + 4 + 12 + 320 * 200 * 4);
      for (const cut of cuts) {
        const r = await fake(bytes.subarray(0, cut));
        expect({ cut, status: r.status, error: r.error }).toMatchObject({ cut, status: 'protocol-error', error: expect.stringMatching(/^connection closed during /) });
        if (cut >= header) expect({ cut, name: (r.data as VncData).desktop_name }).toEqual({ cut, name: 'wasmap-vnc' });
        expect(r.summary).toBeUndefined();
      }
    });

    it('refuses hostile lengths and rectangles instead of allocating or trapping', async () => {
      const update = (x: number, w: number, enc: number): Buffer => {
        const b = Buffer.alloc(16);
        b.writeUInt16BE(1, 2);
        b.writeUInt16BE(x, 4);
        b.writeUInt16BE(w, 8);
        b.writeUInt16BE(1, 10);
        b.writeInt32BE(enc, 12);
        return b;
      };
      const cases: [Buffer, string][] = [
        [Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), 'not an RFB ProtocolVersion'],
        [rfb38(serverInit(4, 4, '', 0xffffffff)), 'desktop name of 4294967295 bytes is over the cap'],
        [Buffer.concat([rfb38(serverInit(4, 4, 'x')), update(2, 4, 0)]), 'rectangle outside the framebuffer'],
        [Buffer.concat([rfb38(serverInit(4, 4, 'x')), update(0, 4, 16)]), 'rectangle encoding 16 (asked for Raw only)'],
        [Buffer.concat([rfb38(serverInit(4, 4, 'x')), Buffer.from([9])]), 'server message type 9'],
        [Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([0, 0xff, 0xff, 0xff, 0xff])]), 'failure reason of 4294967295 bytes is over the cap'],
      ];
      for (const [b, why] of cases) {
        const r = await fake(b);
        expect({ why, status: r.status, error: r.error }).toEqual({ why, status: 'protocol-error', error: why });
      }
    });

    it('reports a server that refuses every client (no security types) with its reason', async () => {
      const reason = 'Too many security failures';
      const len = Buffer.alloc(4);
      len.writeUInt32BE(reason.length);
      const r = await fake(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([0]), len, Buffer.from(reason)]));
      expect(r.status).toBe('success');
      expect(r.data).toEqual({ server_version: '3.8', version: '3.8', security_types: [], auth_required: true, failure_reason: reason });
      expect(r.summary).toBe(`RFB 3.8, no security types, refused: ${reason}`);
    });

    it('calls a server that never speaks an io-timeout', async () => {
      const mute = await tcpServer(() => {});
      try {
        expect((await under.scan(mute.port, { timeout_ms: 300 })).status).toBe('io-timeout');
      } finally {
        await mute.close();
      }
    });
  });
});
