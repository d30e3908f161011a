// Issue #16 items 2 and 5 (nmap's half): -oX/-oN/-oG/-oA and -o, several at
// once, each fed every event; a bad one refused before anything is written;
// Ctrl-C mid-scan leaves every -oA file whole and closed.
// Loopback only: a closed port, and a listener of this test that never speaks.
import { describe, it, expect, beforeAll, beforeEach, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, spawnCli, parseJsonl, expectRefusal, type CliResult } from '../support/cli.js';
import { closedPort, listen, type Listener } from '../support/listeners.js';

const xmllint = (file: string) => spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', file], { encoding: 'utf8' });

describe('nmap output flags', () => {
  const root = mkdtempSync(join(tmpdir(), 'wasmap-nmap-out-'));
  let cwd: string;
  let port: number;
  let n = 0;
  const scan = (...args: string[]): Promise<CliResult> => runCli(['scan', '127.0.0.1', '-p', String(port), '--profile', 'ports', '-Pn', '-q', '--states', 'closed', ...args], { cwd });

  beforeAll(async () => {
    port = await closedPort();
  });
  beforeEach(() => {
    cwd = join(root, `run-${n++}`);
    mkdirSync(cwd);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes -o, -oX, -oN and -oG at once, each with every event, and nothing on a piped stdout', async () => {
    const r = await scan('-o', 'a.jsonl', '-oX', 'a.xml', '-oN', 'a.nmap', '--oG=a.gnmap');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(parseJsonl(readFileSync(join(cwd, 'a.jsonl'), 'utf8')).map((e) => e.target.port)).toEqual([port]);
    expect(xmllint(join(cwd, 'a.xml')).status).toBe(0);
    expect(readFileSync(join(cwd, 'a.xml'), 'utf8')).toContain(`<port protocol="tcp" portid="${port}"><state state="closed" reason="conn-refused" reason_ttl="0"/></port>`);
    expect(readFileSync(join(cwd, 'a.nmap'), 'utf8')).toMatch(new RegExp(`^${port}/tcp closed unknown$`, 'm'));
    expect(readFileSync(join(cwd, 'a.gnmap'), 'utf8')).toContain(`Host: 127.0.0.1 ()\tPorts: ${port}/closed/tcp/////\n`);
  });

  it('writes -oA BASE as four files, reads .xml/.nmap/.gnmap names as those formats, and puts -oG - on stdout', async () => {
    expect((await scan('-oA', 'base')).code).toBe(0);
    expect(readdirSync(cwd).sort()).toEqual(['base.gnmap', 'base.jsonl', 'base.nmap', 'base.xml']);
    expect(xmllint(join(cwd, 'base.xml')).status).toBe(0);
    const byName = await scan('-o', 'named.xml');
    expect(byName.code, byName.stderr).toBe(0);
    expect(xmllint(join(cwd, 'named.xml')).status).toBe(0);
    const piped = await scan('-oG', '-');
    expect(piped.stdout).toMatch(/^# wasmap \S+ scan initiated .*\nHost: 127\.0\.0\.1 \(\)\tStatus: Up\n/);
    const asFormat = await scan('-f', 'nmap-xml');
    expect(asFormat.stdout).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<!DOCTYPE nmaprun>/);
    expect(asFormat.stdout.trimEnd().endsWith('</nmaprun>')).toBe(true);
  });

  it('refuses a bad output first, in one line, writing no file at all', async () => {
    writeFileSync(join(cwd, 'keep.jsonl'), 'previous results');
    mkdirSync(join(cwd, 'adir'));
    const cases: [string[], RegExp][] = [
      [['-o', 'keep.jsonl', '-oA', 'nodir/scan'], /cannot write 'nodir\/scan\.xml': no such directory 'nodir'/],
      [['-o', 'keep.jsonl', '-oX', 'missing/a.xml'], /cannot write 'missing\/a\.xml': no such directory 'missing'/],
      [['-o', 'keep.jsonl', '-oN', 'adir'], /cannot write 'adir': it is a directory/],
      [['-o', 'keep.jsonl', '-oG', 'keep.jsonl/x'], /cannot write 'keep\.jsonl\/x': 'keep\.jsonl' is not a directory/],
      [['-o', 'keep.jsonl', '-oA', 'keep'], /cannot write 'keep\.jsonl' twice/],
      [['-o', 'keep.jsonl', '-f', 'xml'], /argument 'xml' is invalid/],
      [['-o', 'keep.jsonl', '-oS', 'kiddie.txt'], /-oS \(nmap's script kiddie output\) is not supported/],
    ];
    for (const [flags, pattern] of cases) {
      expectRefusal(await scan(...flags), pattern);
      expect(readdirSync(cwd).sort(), flags.join(' ')).toEqual(['adir', 'keep.jsonl']);
      expect(readFileSync(join(cwd, 'keep.jsonl'), 'utf8')).toBe('previous results');
    }
  });
});

describe('Ctrl-C with -oA', () => {
  let slow: Listener;
  let connections = 0;
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-nmap-int-'));
  beforeAll(async () => {
    // accepts and never answers: detection waits on it until the scan is stopped
    slow = await listen('127.0.0.1');
    slow.server.on('connection', () => connections++);
  });
  afterAll(async () => {
    await slow.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves all four files valid and closed, the XML saying it was interrupted', async () => {
    const child = spawnCli(['scan', '127.0.0.1', '-p', String(slow.port), '-Pn', '-q', '-oA', join(dir, 'cut')]);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // the port scan's connect is the first; the next is detection talking to the open port
    let sent = false;
    slow.server.on('connection', () => {
      if (connections >= 2 && !sent) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(await exited, stderr).toBe(130);
    expect(sent).toBe(true);
    const lint = xmllint(join(dir, 'cut.xml'));
    expect(lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    const xml = readFileSync(join(dir, 'cut.xml'), 'utf8');
    expect(xml).toContain(`<port protocol="tcp" portid="${slow.port}"><state state="open" reason="syn-ack" reason_ttl="0"/>`);
    expect(xml).toMatch(/exit="error" errormsg="interrupted by SIGINT, partial results"\/><hosts up="1" down="0" total="1"\/>\n<\/runstats>\n<\/nmaprun>\n$/);
    for (const ext of ['nmap', 'gnmap']) {
      expect(readFileSync(join(dir, `cut.${ext}`), 'utf8')).toMatch(/\n# wasmap done at .* \(interrupted by SIGINT, partial results\)\n$/);
    }
    expect(parseJsonl(readFileSync(join(dir, 'cut.jsonl'), 'utf8')).some((e) => e.target.port === slow.port)).toBe(true);
  });
});
