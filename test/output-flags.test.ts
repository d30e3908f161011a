// Issue #11 item 4: nmap's -oS is refused (not read as `-o S`; -oX/-oN/-oG/-oA
// are written since #16), -o refuses an extension wasmap does not write, and no file is
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

  // -oX/-oN/-oG/-oA are written since #16 (test/report/nmap-outputs.test.ts)
  it("refuses nmap's -oS (and --oS, --oS=FILE) by name, creating no file", async () => {
    const cases: [string[], RegExp][] = [
      [['-oS', 'scan.txt'], /^wasmap: error: -oS \(nmap's script kiddie output\) is not supported/],
      [['--oS', 'scan.txt'], /-oS/],
      [['--oS=scan.txt'], /-oS/],
    ];
    for (const [flags, pattern] of cases) {
      expectRefusal(await scan(...flags), pattern);
      expect(readdirSync(cwd), flags.join(' ')).toEqual([]);
    }
  });

  it('does not mistake -oN 127.0.0.1 for "write JSONL to ./N": as for nmap, 127.0.0.1 is the file', async () => {
    const r = await runCli(['scan', '-oN', '127.0.0.1', '-p', String(port), '--profile', 'ports', '-Pn', '-q'], { cwd });
    expectRefusal(r, /no targets given/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses -o with an extension it does not write, naming the ones it does, and leaves an existing file alone', async () => {
    writeFileSync(join(cwd, 'out.doc'), 'keep');
    expectRefusal(await scan('-o', 'out.doc'), /cannot write 'out\.doc': wasmap does not write \.doc files; it writes \.jsonl \(or \.ndjson\), \.json, \.csv, \.txt \(a table\), \.html \(a report\), and nmap's \.xml, \.nmap and \.gnmap/);
    expect(readFileSync(join(cwd, 'out.doc'), 'utf8')).toBe('keep');
    expectRefusal(await scan('-o', 'report.pdf'), /\.pdf/);
    expect(readdirSync(cwd)).toEqual(['out.doc']);
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
