// Issue #11 item 4: nmap's -oX/-oN/-oG/-oA/-oS are refused (not read as
// `-o X`), -o refuses an extension wasmap does not write, and no file is
// created or truncated before every flag and target has been checked.
// Scans here go to 127.0.0.1 only, on a port with nothing listening.
import { describe, it, expect, beforeAll, beforeEach, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, parseJsonl, expectRefusal, type CliResult } from './support/cli.js';
import { closedPort } from './support/listeners.js';


describe('output flags', () => {
  const root = mkdtempSync(join(tmpdir(), 'wasmap-oflags-'));
  let cwd: string;
  let port: number;
  let n = 0;
  const scan = (...args: string[]): Promise<CliResult> => runCli(['scan', '127.0.0.1', '-p', String(port), '--profile', 'ports', '-Pn', '-q', ...args], { cwd });

  beforeAll(async () => {
    port = await closedPort();
  });
  beforeEach(() => {
    cwd = join(root, `run-${n++}`);
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("refuses each of nmap's -oN/-oX/-oS/-oG/-oA (and --oX, --oX=FILE) by name, creating no file", async () => {
    const cases: [string[], RegExp][] = [
      [['-oX', 'scan.xml'], /^wasmap: error: -oX \(nmap's XML output\) is not supported yet/],
      [['-oN', 'scan.txt'], /-oN \(nmap's normal output\)/],
      [['-oS', 'scan.txt'], /-oS \(nmap's script kiddie output\)/],
      [['-oG', 'scan.gnmap'], /-oG \(nmap's grepable output\)/],
      [['-oM', 'scan.gnmap'], /-oM \(nmap's grepable/],
      [['-oA', 'scan'], /-oA \(nmap's normal, XML and grepable output\)/],
      [['--oX', 'scan.xml'], /-oX/],
      [['--oG=scan.gnmap'], /-oG/],
    ];
    for (const [flags, pattern] of cases) {
      expectRefusal(await scan(...flags), pattern);
      expect(readdirSync(cwd), flags.join(' ')).toEqual([]);
    }
  });

  it('does not mistake -oN 127.0.0.1 for "write JSONL to ./N"', async () => {
    const r = await runCli(['scan', '-oN', '127.0.0.1', '-p', String(port), '--profile', 'ports', '-Pn', '-q'], { cwd });
    expectRefusal(r, /-oN/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses -o with an extension it does not write, naming the ones it does, and leaves an existing file alone', async () => {
    writeFileSync(join(cwd, 'out.xml'), '<keep/>');
    expectRefusal(await scan('-o', 'out.xml'), /cannot write 'out\.xml': wasmap does not write \.xml files \(nmap's output formats are not supported yet\); it writes \.jsonl \(or \.ndjson\), \.json, \.csv and \.txt/);
    expect(readFileSync(join(cwd, 'out.xml'), 'utf8')).toBe('<keep/>');
    expectRefusal(await scan('-o', 'report.html'), /\.html/);
    expect(readdirSync(cwd)).toEqual(['out.xml']);
  });

  it('writes any name when -f names the format, and JSONL to a name without an extension', async () => {
    const asked = await scan('--states', 'closed', '-o', 'out.xml', '-f', 'json');
    expect(asked.code, asked.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'out.xml'), 'utf8'))[0].target.port).toBe(port);
    const bare = await scan('--states', 'closed', '-o', 'results');
    expect(bare.code, bare.stderr).toBe(0);
    expect(parseJsonl(readFileSync(join(cwd, 'results'), 'utf8'))[0].target.port).toBe(port);
  });

  it('creates or truncates nothing when a flag or a typed target is bad', async () => {
    writeFileSync(join(cwd, 'out.json'), 'previous results');
    expectRefusal(await scan('-o', 'out.json', '10.0.0.300'), /10\.0\.0\.300/);
    expectRefusal(await scan('-o', 'out.json', '--max-targets', 'lots'), /--max-targets/);
    expectRefusal(await scan('-o', 'new.json', '-f', 'xml'), /xml/);
    expect(readFileSync(join(cwd, 'out.json'), 'utf8')).toBe('previous results');
    expect(readdirSync(cwd)).toEqual(['out.json']);
  });
});
