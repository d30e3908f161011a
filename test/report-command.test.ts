/**
 * `wasmap report`: a saved scan rendered again without scanning. The JSONL
 * of a real loopback scan goes back out unchanged, its banner bytes render
 * in the table as during the scan, its nmap XML validates against nmap's DTD, a corrupt line is skipped with a warning
 * naming it, and bad input is one line, exit 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal, runCli } from './support/cli.js';
import { closedPort, listen, type Listener } from './support/listeners.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmap-report-'));
const saved = join(tmp, 'scan.jsonl');
let greeter: Listener;

beforeAll(async () => {
  greeter = await listen('127.0.0.1', { greet: 'HELLO from the report test\r\n' });
  const closed = await closedPort();
  const r = await runCli(['scan', '127.0.0.1', '-p', `${greeter.port},${closed}`, '--skip-discovery', '--profile', 'ports', '--banner', '--states', 'all', '-o', saved, '-q']);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await greeter.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('wasmap report', () => {
  it('writes the same events back, and the table from saved bytes', async () => {
    const lines = readFileSync(saved, 'utf8').trim().split('\n');
    const corrupt = join(tmp, 'corrupt.jsonl');
    writeFileSync(corrupt, [lines[0], '{"not": "an event"', ...lines.slice(1)].join('\n') + '\n');
    const again = await runCli(['report', corrupt, '-f', 'jsonl']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(`wasmap: warning: ${corrupt} line 2: not JSON, skipped\n`);
    expect(again.stdout.trim().split('\n')).toEqual(lines);

    const table = await runCli(['report', saved, '-f', 'table']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${greeter.port}/tcp\\s+open\\s+\\S+\\s+HELLO from the report test`));
    expect(table.stdout).toMatch(/\/tcp\s+closed/);

    // the nmap and HTML renderings of a saved scan are as valid as a live scan's
    const xml = join(tmp, 'again.xml');
    expect((await runCli(['report', saved, '-o', xml])).code).toBe(0);
    const lint = spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', xml], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);
    expect(readFileSync(xml, 'utf8')).toContain(`portid="${greeter.port}"`);
    const html = await runCli(['report', saved, '-f', 'html']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout.trimEnd().endsWith('</html>')).toBe(true);

    const out = join(tmp, 'again.csv');
    const csv = await runCli(['report', saved, '-o', out]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^ts,type,module,ip/);
  });

  it('refuses a missing input, an unknown format and an unwritable output with one line and exit 2', async () => {
    expectRefusal(await runCli(['report', join(tmp, 'missing.jsonl')]), /cannot read '.*missing\.jsonl': ENOENT/);
    expectRefusal(await runCli(['report', saved, '-f', 'bogus']), /--format must be one of/);
    expectRefusal(await runCli(['report', saved, '-o', join(tmp, 'no-such-dir', 'x.jsonl')]), /cannot write '.*x\.jsonl': ENOENT/);
  });
});
