// Issue #15 item 3: `wasmap scan --screenshots DIR` (and `wasmap report`)
// writes each PNG a plugin took to DIR/IP_PORT_module.png, the table says
// where, JSON keeps the base64. End to end with the CLI on a real Xvfb (-ac,
// a TCP display in :0-:10) and x11vnc on the same display; every file's
// pixels are compared with what ImageMagick's `import -window root` grabs
// from that display, after ImageMagick painted a picture with no symmetry
// and distinct channels on the root (a swapped channel or a flipped row fails).
//   npx vitest run test/screenshots.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonl, runCli, runCliUntil } from './support/cli.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';
import { listen, type Listener } from './support/listeners.js';
import { decodePng, differingPixels, importRoot, paintRoot, stopAll, x11vnc, xvfb, type Image } from './support/remote-display.js';

describe('--screenshots DIR, on real Xvfb and x11vnc through the CLI', () => {
  const root = mkdtempSync(join(tmpdir(), 'wasmap-shots-'));
  let display = 0;
  let x11Port = 0;
  let vncPort = 0;
  let reference: Image;
  const files = (): string[] => [`127.0.0.1_${vncPort}_vnc.png`, `127.0.0.1_${x11Port}_x11.png`].sort();
  const expectSameAsImport = (file: string): void => {
    const got = decodePng(readFileSync(file));
    expect([got.width, got.height], file).toEqual([reference.width, reference.height]);
    expect(differingPixels(got, reference), `${file}: pixels unlike import's`).toBe(0);
  };

  beforeAll(async () => {
    display = await xvfb(['-ac']);
    x11Port = 6000 + display;
    paintRoot(display, join(root, 'painted.png'));
    reference = importRoot(display);
    // the reference is the picture, not a blank root: red top-left, blue bottom-right, the green rectangle
    const px = (x: number, y: number): number[] => [...reference.rgba.subarray((y * reference.width + x) * 4, (y * reference.width + x) * 4 + 4)];
    expect(px(0, 0)).toEqual([255, 0, 0, 255]);
    expect(px(319, 199)).toEqual([0, 0, 255, 255]);
    expect(px(20, 30)).toEqual([0, 255, 0, 255]);
    vncPort = await x11vnc(display);
  }, 60_000);
  afterAll(() => {
    stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes IP_PORT_module.png per screenshot into a DIR it creates, each pixel as import grabs it; the table names the files, JSON keeps the same bytes as base64', async () => {
    const cwd = join(root, 'scan');
    mkdirSync(cwd);
    const r = await runCli(['scan', '127.0.0.1', '-p', `${vncPort},${x11Port}`, '-Pn', '--screenshots', 'shots', '-f', 'table', '-oA', 'out'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(cwd, 'shots')).sort()).toEqual(files());
    for (const f of files()) expectSameAsImport(join(cwd, 'shots', f));
    // a line under each port's row says where its screenshot went
    const lines = r.stdout.split('\n');
    for (const [port, plugin] of [[vncPort, 'vnc'], [x11Port, 'x11']] as const) {
      const row = lines.findIndex((l) => l.trimStart().startsWith(`${port}/tcp`));
      expect(row, r.stdout).toBeGreaterThanOrEqual(0);
      const under = lines.slice(row + 1).findIndex((l) => !l.startsWith(' '.repeat(10)));
      const block = lines.slice(row + 1, row + 1 + (under < 0 ? lines.length : under));
      expect(block.map((l) => l.trim()), r.stdout).toContain(`${plugin}: screenshot shots/127.0.0.1_${port}_${plugin}.png`);
    }
    expect(r.stderr).toContain('wasmap: 2 screenshots written to shots');
    const events = parseJsonl(readFileSync(join(cwd, 'out.jsonl'), 'utf8'));
    for (const [port, plugin] of [[vncPort, 'vnc'], [x11Port, 'x11']] as const) {
      const ev = events.find((e) => e.origin.type === plugin && e.target.port === port);
      expect(ev?.result.data.screenshot_format).toBe('png');
      expect(Buffer.from(ev.result.data.screenshot, 'base64').equals(readFileSync(join(cwd, 'shots', `127.0.0.1_${port}_${plugin}.png`)))).toBe(true);
    }

    // `wasmap report` of the saved JSONL writes the same files again
    const again = await runCli(['report', 'out.jsonl', '-f', 'table', '--screenshots', 'again'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(join(cwd, 'again')).sort()).toEqual(files());
    for (const f of files()) expect(readFileSync(join(cwd, 'again', f)).equals(readFileSync(join(cwd, 'shots', f))), f).toBe(true);
    expect(again.stdout).toContain(`vnc: screenshot again/127.0.0.1_${vncPort}_vnc.png`);
  }, 120_000);

  it('refuses a DIR that is a file or whose parent is missing: one line, exit 2, nothing sent', async () => {
    const cwd = join(root, 'refuse');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'afile'), 'keep');
    const accepted: Socket[] = [];
    const l: Listener = await listen();
    l.server.on('connection', (s: Socket) => accepted.push(s));
    try {
      for (const [dir, why] of [['afile', /^wasmap: error: --screenshots: cannot write to 'afile': not a directory\n$/], ['no/such', /^wasmap: error: --screenshots: cannot write to 'no\/such': no such directory '.*\/refuse\/no' to create it in\n$/]] as const) {
        const r = await runCli(['scan', '127.0.0.1', '-p', String(l.port), '-Pn', '--screenshots', dir], { cwd });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(why);
      }
      expect(accepted).toEqual([]);
      expect(readdirSync(cwd)).toEqual(['afile']);
      expect(readFileSync(join(cwd, 'afile'), 'utf8')).toBe('keep');
    } finally {
      await l.close();
    }
  });

  it('names files safely from saved events: IPv6 as ipv6-literal.net does, a second shot of a port -2, a plugin name cut to [A-Za-z0-9-], a JPEG as .jpg, bytes that are not what their format says never written', async () => {
    const cwd = join(root, 'names');
    mkdirSync(cwd);
    const png = spawnSync('/usr/bin/convert', ['-size', '2x2', 'xc:#ff8000', 'png:-']).stdout as Buffer;
    const jpeg = spawnSync('/usr/bin/convert', ['-size', '2x2', 'xc:#ff8000', 'jpeg:-']).stdout as Buffer;
    const ev = (ip: string, port: number, type: string, screenshot: string, format = 'png'): string => JSON.stringify({
      origin: { type, module: 'grabber', ts: 1, ip, port, job_id: 'j' }, target: { ip, port, protocol: 'tcp' },
      result: { data: { screenshot, screenshot_format: format }, status: 'success' },
    });
    const b64 = png.toString('base64');
    writeFileSync(join(cwd, 'in.jsonl'), [
      ev('::1', 5900, 'vnc', b64), ev('fe80::1%eth0', 6000, 'x11', b64), ev('127.0.0.1', 5901, 'vnc', b64), ev('127.0.0.1', 5901, 'vnc', b64),
      ev('127.0.0.1', 1, '../../evil', b64), ev('127.0.0.1', 2, 'vnc', Buffer.from('GIF89a not a png').toString('base64')), ev('127.0.0.1', 3, 'vnc', 'not base64!'),
      ev('127.0.0.1', 80, 'web', jpeg.toString('base64'), 'jpeg'), ev('127.0.0.1', 81, 'web', b64, 'jpeg'),
    ].join('\n') + '\n');
    const r = await runCli(['report', 'in.jsonl', '-f', 'jsonl', '--screenshots', 'out'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const names = ['--1_5900_vnc.png', 'fe80--1seth0_6000_x11.png', '127.0.0.1_5901_vnc.png', '127.0.0.1_5901_vnc-2.png', '127.0.0.1_1_------evil.png'];
    expect(readdirSync(join(cwd, 'out')).sort()).toEqual([...names, '127.0.0.1_80_web.jpg'].sort()); // a PNG said to be a JPEG is neither
    for (const f of names) expect(readFileSync(join(cwd, 'out', f)).equals(png), f).toBe(true);
    expect(readFileSync(join(cwd, 'out', '127.0.0.1_80_web.jpg')).equals(jpeg)).toBe(true);
    expect(readdirSync(cwd).sort()).toEqual(['in.jsonl', 'out']); // nothing escaped DIR
    expect(r.stderr).toContain('wasmap: 6 screenshots written to out');
  });

  it('keeps the screenshots written before a Ctrl-C, whole', async () => {
    const cwd = join(root, 'interrupt');
    mkdirSync(cwd);
    // a port that accepts and never speaks keeps service detection busy for seconds after the VNC screenshot
    const silent = await listen();
    try {
      // the file is written before the event reaches any other output
      const { code, stderr, signalled } = await runCliUntil(['scan', '127.0.0.1', '-p', `${vncPort},${silent.port}`, '-Pn', '--screenshots', 'shots', '-f', 'jsonl'],
        (out) => out.includes('"type":"vnc"'), 'SIGINT', { cwd });
      expect(code, stderr).toBe(130);
      expect(signalled).toBe(true);
      expect(readdirSync(join(cwd, 'shots'))).toEqual([`127.0.0.1_${vncPort}_vnc.png`]);
      expectSameAsImport(join(cwd, 'shots', `127.0.0.1_${vncPort}_vnc.png`));
    } finally {
      await silent.close();
    }
  }, 120_000);
});

describe('--screenshots DIR turns on the web plugin\'s page screenshot', () => {
  it('renders the nginx page into DIR/IP_PORT_web.png, while a scan without it renders nothing', async () => {
    const [http] = (await startServices(['http'])) as { port: number }[];
    const cwd = mkdtempSync(join(tmpdir(), 'wasmap-webshot-'));
    try {
      const plain = await runCli(['scan', '127.0.0.1', '-p', String(http!.port), '-Pn', '-f', 'jsonl'], { cwd });
      expect(plain.code, plain.stderr).toBe(0);
      const web = parseJsonl(plain.stdout).find((e) => e.origin.type === 'web');
      expect(web?.result.data, plain.stdout).toBeDefined();
      expect(web.result.data.screenshot).toBeUndefined();

      const r = await runCli(['scan', '127.0.0.1', '-p', String(http!.port), '-Pn', '--screenshots', 'shots', '-f', 'jsonl'], { cwd });
      expect(r.code, r.stderr).toBe(0);
      const file = join(cwd, 'shots', `127.0.0.1_${http!.port}_web.png`);
      expect(readdirSync(join(cwd, 'shots')), r.stderr).toEqual([`127.0.0.1_${http!.port}_web.png`]);
      const png = decodePng(readFileSync(file));
      expect([png.width, png.height]).toEqual([1280, 800]);
      // a rendered page, not a blank viewport: more than one colour
      const first = png.rgba.readUInt32BE(0);
      let other = false;
      for (let i = 4; i < png.rgba.length && !other; i += 4) other = png.rgba.readUInt32BE(i) !== first;
      expect(other).toBe(true);
    } finally {
      await stopServices(['http']);
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
