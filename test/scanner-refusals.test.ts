// Issue #12 item 1: the Scanner plans the targets (lists read, names resolved,
// the size checked) before the CLI opens its outputs, so a refused scan
// leaves an existing -o file as it was. Targets stay inside 127.0.0.0/8.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, expectRefusal } from './support/cli.js';

describe('a scan refused for its resolved target set writes no output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-refusal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const KEEP = '{"kept":"the user\'s earlier results"}\n';

  it('leaves an existing -o file untouched when a -iL list is over --max-targets', async () => {
    const list = join(dir, 'list.txt');
    writeFileSync(list, '127.0.0.0/24\n127.0.1.0/24\n');
    const out = join(dir, 'earlier.jsonl');
    writeFileSync(out, KEEP);
    expectRefusal(await runCli(['scan', '-iL', list, '-p', '1', '--profile', 'ports', '-Pn', '--max-targets', '256', '-o', out]), /512 addresses, more than 256:/);
    expect(readFileSync(out, 'utf8')).toBe(KEEP);
  });

  it('leaves it untouched with targets from stdin (-iL -), and creates no new file', async () => {
    const out = join(dir, 'earlier.json');
    writeFileSync(out, KEEP);
    const input = '127.0.2.0/24\n127.0.3.0/24\n';
    expectRefusal(await runCli(['scan', '-iL', '-', '-p', '1', '--profile', 'ports', '-Pn', '--max-targets', '256', '-o', out], { input }), /512 addresses, more than 256:/);
    expect(readFileSync(out, 'utf8')).toBe(KEEP);
    const fresh = join(dir, 'new.csv');
    expectRefusal(await runCli(['scan', '-iL', '-', '-p', '1', '--profile', 'ports', '-Pn', '--max-targets', '256', '-o', fresh], { input }), /512 addresses/);
    expect(existsSync(fresh)).toBe(false);
  });
});
