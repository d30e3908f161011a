// The vnc plugin on TigerVNC's own server (Xtigervnc, an X server with the
// VNC server built in; Debian's tigervnc-standalone-server), besides x11vnc
// (vnc.test.ts): with -SecurityTypes None the screenshot is compared pixel
// by pixel with what ImageMagick's `import -window root` grabs from the same
// display after `display -window root` painted a picture with no symmetry;
// with -SecurityTypes VncAuth and a PasswordFile it stops at the security
// types: auth required, no screenshot. RFB on 127.0.0.1 only (-interface,
// -localhost); the X side on a unix socket only (-nolisten tcp).
//   npx vitest run plugins-wasm/vnc/test/tigervnc.test.ts
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, waitForPort } from '../../../test/support/listeners.js';
import { decodePng, differingPixels, freeDisplayNumber, importRoot, paintRoot, stopAll, track } from '../../../test/support/remote-display.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';

/** Xtigervnc on display :n with these security settings; resolves with its RFB port once it accepts. */
async function xtigervnc(n: number, geometry: string, ...security: string[]): Promise<number> {
  const port = await closedPort();
  track(spawn('Xtigervnc', [`:${n}`, '-geometry', geometry, '-depth', '24', '-rfbport', String(port), '-interface', '127.0.0.1', '-localhost',
    '-nolisten', 'tcp', '-noreset', '-desktop', `wasmap-tiger-${n}`, ...security], { stdio: 'ignore' }));
  await waitForPort(port, 300);
  return port;
}

describe('the vnc scanner plugin on TigerVNC (Xtigervnc)', () => {
  const under = usePlugin('vnc');
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-tigervnc-'));
  let open = { display: 0, port: 0 };
  let locked = 0;

  beforeAll(async () => {
    const a = freeDisplayNumber(300);
    open = { display: a, port: await xtigervnc(a, '320x200', '-SecurityTypes', 'None') };
    // the classic VNC password file (DES-obfuscated), written by x11vnc: tigervnc's vncpasswd is in another package
    const passwd = join(dir, 'passwd');
    const stored = spawnSync('x11vnc', ['-storepasswd', 'wasmap-secret', passwd]);
    expect(stored.status, String(stored.stderr)).toBe(0);
    locked = await xtigervnc(freeDisplayNumber(a + 1), '320x200', '-SecurityTypes', 'VncAuth', '-PasswordFile', passwd);
  }, 60_000);
  afterAll(() => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with SecurityTypes None: RFB 3.8, no auth, the desktop, and a screenshot equal to import -window root', async () => {
    paintRoot(`:${open.display}`, join(dir, 'painted.png'));
    const reference = importRoot(`:${open.display}`);
    expect(reference.rgba.readUInt32BE(0)).toBe(0xff0000ff); // the picture is there: red at the top left
    const r = await under.scan(open.port);
    expect(r.status, r.error).toBe('success');
    expect(r.data).toMatchObject({
      server_version: '3.8', version: '3.8', security_types: [{ id: 1, name: 'None' }], auth_required: false,
      desktop_name: `wasmap-tiger-${open.display}`, width: 320, height: 200, screenshot_format: 'png', screenshot_width: 320, screenshot_height: 200,
    });
    expect(r.summary).toBe(`RFB 3.8, security None, desktop 'wasmap-tiger-${open.display}', 320x200, screenshot`);
    const png = decodePng((r.data as { screenshot: Uint8Array }).screenshot);
    expect(differingPixels(png, reference)).toBe(0);
  });

  it('sends a 1024x768 screen at full size, compressed under the 1 MiB result, equal to import -window root', async () => {
    const n = freeDisplayNumber(open.display + 2);
    const port = await xtigervnc(n, '1024x768', '-SecurityTypes', 'None');
    paintRoot(`:${n}`, join(dir, 'big.png'));
    const reference = importRoot(`:${n}`);
    const r = await under.scan(port);
    expect(r.status, r.error).toBe('success');
    const d = r.data as { screenshot: Uint8Array; screenshot_width: number; screenshot_height: number };
    expect([d.screenshot_width, d.screenshot_height]).toEqual([1024, 768]);
    expect(d.screenshot.length).toBeLessThan(960000); // stored, 1024x768 RGBA is 3,146,520 bytes
    expect(differingPixels(decodePng(d.screenshot), reference)).toBe(0);
  });

  it('scales a screen of noise, which no deflate shrinks, down by 2 (nearest neighbour) to fit the result', async () => {
    const n = freeDisplayNumber(open.display + 3);
    const port = await xtigervnc(n, '640x480', '-SecurityTypes', 'None');
    paintRoot(`:${n}`, join(dir, 'noise.png'), ['-size', '640x480', 'xc:', '+noise', 'Random']);
    const reference = importRoot(`:${n}`);
    const r = await under.scan(port);
    expect(r.status, r.error).toBe('success');
    const d = r.data as { width: number; screenshot: Uint8Array; screenshot_width: number; screenshot_height: number };
    expect([d.width, d.screenshot_width, d.screenshot_height]).toEqual([640, 320, 240]);
    const png = decodePng(d.screenshot);
    let off = 0;
    for (let y = 0; y < 240; y++) {
      for (let x = 0; x < 320; x++) if (png.rgba.readUInt32BE((y * 320 + x) * 4) !== reference.rgba.readUInt32BE((2 * y * 640 + 2 * x) * 4)) off++;
    }
    expect(off).toBe(0);
  });

  it('with SecurityTypes VncAuth and a PasswordFile: VNC Authentication only, auth required, no password tried, no screenshot', async () => {
    const r = await under.scan(locked);
    expect(r.status, r.error).toBe('success');
    expect(r.data).toEqual({ server_version: '3.8', version: '3.8', security_types: [{ id: 2, name: 'VNC Authentication' }], auth_required: true });
    expect(r.summary).toBe('RFB 3.8, security VNC Authentication, auth required');
    expect(r.findings ?? []).toEqual([]);
  });
});
