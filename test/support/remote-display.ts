/**
 * Real remote-display servers for tests, started by the test itself and
 * stopped by PID after it: Xvfb on a loopback-reachable TCP display in
 * :0–:10 (ports 6000–6010, the x11 plugin's own ports, so a scan runs it
 * without help from service detection), x11vnc on that display, and
 * ImageMagick as the independent reference for the root window's pixels.
 * Xvfb has no option to bind one address (-listen tcp is 0.0.0.0 and [::]),
 * and an -ac server must not be reachable from outside: it listens on its
 * unix socket only, and socat carries 127.0.0.1:6000+N to it (the X protocol
 * on the wire is the same; -auth still refuses clients without the cookie).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { inflateSync } from 'node:zlib';
import { closedPort, waitForPort } from './listeners.js';

export interface Image {
  width: number;
  height: number;
  /** 8-bit RGBA, rows top to bottom */
  rgba: Buffer;
}

/** Every process started here, for stopAll. */
const started: ChildProcess[] = [];

/** The Xvfb and socat of each display xvfb() started. */
const byDisplay = new Map<number, ChildProcess[]>();

const end = (p: ChildProcess): void => {
  if (p.pid && p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGTERM');
};

export function stopAll(): void {
  for (const p of started.splice(0)) end(p);
  byDisplay.clear();
}

/** Stops one display's Xvfb and its bridge, leaving the others running. */
export function stopDisplay(n: number): void {
  for (const p of byDisplay.get(n) ?? []) end(p);
  byDisplay.delete(n);
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
}

/** The PID in display :n's lock file (X servers write it as text), if readable. */
function lockOwner(n: number): number | undefined {
  try {
    return Number.parseInt(readFileSync(`/tmp/.X${n}-lock`, 'latin1').trim(), 10);
  } catch {
    return undefined;
  }
}

/** Resolves once display :n's unix socket exists; false when `p` exited first. */
async function socketReady(n: number, p: ChildProcess): Promise<boolean> {
  while (p.exitCode === null && p.signalCode === null) {
    if (existsSync(`/tmp/.X11-unix/X${n}`)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** socat from 127.0.0.1:6000+n to display :n's unix socket, stopped with the others; resolves when it accepts. */
export async function bridgeDisplay(n: number): Promise<void> {
  const s = spawn('/usr/bin/socat', [`TCP-LISTEN:${6000 + n},bind=127.0.0.1,reuseaddr,fork`, `UNIX-CONNECT:/tmp/.X11-unix/X${n}`], { stdio: 'ignore' });
  started.push(s);
  byDisplay.set(n, [...(byDisplay.get(n) ?? []), s]);
  await waitForPort(6000 + n);
}

/**
 * Xvfb on display :n of :0–:10 (no lock file, nothing on 6000+N) or, with
 * `from`, the first free one from there; reached on 127.0.0.1:6000+N through
 * bridgeDisplay; -noreset so what is painted stays when the painter leaves;
 * `extra`: -ac (open), or `(n) => ['-auth', xauthFile(dir, n)]`. Returns the display number.
 */
export async function xvfb(extra: string[] | ((n: number) => string[]), screen = '320x200x24', from = 0, to = 10): Promise<number> {
  for (let n = from; n <= to; n++) {
    if (existsSync(`/tmp/.X${n}-lock`) || existsSync(`/tmp/.X11-unix/X${n}`) || !(await refused(6000 + n))) continue;
    const more = typeof extra === 'function' ? extra(n) : extra;
    const p = spawn('Xvfb', [`:${n}`, '-nolisten', 'tcp', '-noreset', '-screen', '0', screen, ...more], { stdio: 'ignore' });
    started.push(p);
    // another test may have taken the same number between the check and the bind: then its lock
    // file names its Xvfb, ours exits, and the next number is tried
    if (!(await socketReady(n, p)) || lockOwner(n) !== p.pid) continue;
    byDisplay.set(n, [p]);
    await bridgeDisplay(n);
    return n;
  }
  throw new Error(`no free X display in :${from}-:${to}`);
}

/**
 * An Xauthority file with one MIT-MAGIC-COOKIE-1 for display :n (no xauth
 * needed): Xvfb started with `-auth` on it refuses every client without the
 * cookie, even from the local host.
 */
export function xauthFile(dir: string, n: number): string {
  const field = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  const file = join(dir, `X${n}.auth`);
  writeFileSync(file, Buffer.concat([
    Buffer.from([1, 0]), // FamilyLocal
    field(Buffer.from(hostname())), field(Buffer.from(String(n))), field(Buffer.from('MIT-MAGIC-COOKIE-1')), field(randomBytes(16)),
  ]));
  return file;
}

/** A display number is the TCP display 127.0.0.1:N; a string is used as it is (`:N`, its unix socket). */
const displayName = (n: number | string): string => (typeof n === 'number' ? `127.0.0.1:${n}` : n);

/** A display number from `from` on with no lock file and no socket, for a server started with an explicit number. */
export function freeDisplayNumber(from: number): number {
  for (let n = from; n < from + 500; n++) if (!existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  throw new Error('no free X display number');
}

/** A 320x200 picture with no symmetry and distinct channels: red→blue gradient, a green rectangle, a yellow disc (ImageMagick `convert` arguments). */
export const PICTURE = ['-size', '320x200', 'gradient:#ff0000-#0000ff', '-fill', '#00ff00', '-draw', 'rectangle 10,20 40,60',
  '-fill', '#ffff00', '-draw', 'circle 200,100 230,120'];

/** (ImageMagick by absolute path: never a same-named program earlier on PATH.) Paints `picture` (convert arguments; tiled when smaller than the screen) on the root with ImageMagick's `display -window root`. */
export function paintRoot(n: number | string, file: string, picture: string[] = PICTURE): void {
  const made = spawnSync('/usr/bin/convert', [...picture, `png:${file}`]);
  if (made.status !== 0) throw new Error(`convert failed: ${made.stderr}`);
  // display exits 1 after setting the background even when it worked; importRoot is the proof
  spawnSync('/usr/bin/display', ['-display', displayName(n), '-window', 'root', file], { timeout: 20_000 });
}

/** What ImageMagick's `import -window root` grabs from display :n, as 8-bit RGBA. */
export function importRoot(n: number | string): Image {
  const r = spawnSync('/usr/bin/import', ['-window', 'root', '-display', displayName(n), 'PNG32:-'], { timeout: 20_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
  return decodePng(r.stdout);
}

/** x11vnc on display :n at a free loopback port, no password unless `more` sets one; resolves once it accepts. */
export async function x11vnc(n: number, ...more: string[]): Promise<number> {
  const port = await closedPort();
  const p = spawn('x11vnc', ['-display', `127.0.0.1:${n}`, '-rfbport', String(port), '-localhost', '-forever', '-shared',
    '-noxdamage', '-nocursor', '-noshm', '-q', ...(more.length ? more : ['-nopw'])], { stdio: 'ignore' });
  started.push(p);
  await waitForPort(port, 300);
  return port;
}

/** Registers a process for stopAll. */
export function track(p: ChildProcess): ChildProcess {
  started.push(p);
  return p;
}

const paeth = (a: number, b: number, c: number): number => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** A non-interlaced 8-bit RGB or RGBA PNG, every filter type, decoded with node:zlib; RGB gets alpha 255. */
export function decodePng(png: Buffer | Uint8Array): Image {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= b.length;) {
    const len = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    const body = b.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0 || (body[9] !== 2 && body[9] !== 6)) throw new Error(`PNG depth ${body[8]} colour type ${body[9]} interlace ${body[12]}: not decoded here`);
      channels = body[9] === 6 ? 4 : 3;
    }
    if (type === 'IDAT') idat.push(body);
    if (type === 'IEND') break;
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data of ${raw.length} bytes for ${width}x${height}`);
  const rows = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels]! : 0;
      const c = i >= channels ? up[i - channels]! : 0;
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? up[i]! : filter === 3 ? (a + up[i]!) >> 1 : filter === 4 ? paeth(a, up[i]!, c) : NaN;
      if (Number.isNaN(pred)) throw new Error(`PNG filter type ${filter}`);
      out[i] = (src[i]! + pred) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: rows };
  const rgba = Buffer.alloc(width * height * 4, 0xff);
  for (let i = 0; i < width * height; i++) rows.copy(rgba, i * 4, i * 3, i * 3 + 3);
  return { width, height, rgba };
}

/** How many pixels differ between two images of the same size (RGB and alpha). */
export function differingPixels(a: Image, b: Image): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) if (a.rgba.readUInt32BE(i * 4) !== b.rgba.readUInt32BE(i * 4)) n++;
  return n;
}
