/**
 * Issue #10 item 5: a hostile plugin must never write to the user's terminal.
 * Hand-written WAT plugins (test/sandbox/wat/term-*.wat) put OSC 0 (window
 * title), ESC[2J (clear), OSC 52 (clipboard), OSC 8 (hyperlink), BEL, CR, C1
 * CSI (U+009B) and bidi overrides into every string the CLI shows; the CLI runs
 * on a pseudo-terminal, and what reaches it must show them escaped
 * (report/terminal-text.ts: `\x1b`, `\u009b`). Files, pipes and JSONL keep
 * the exact data. Also item 4's table part: no row for a port the scan never
 * reported, and no headline from a plugin posing as the banner grabber.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli, parseJsonl } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';
import { compileWat } from './sandbox/helpers/wat.js';
import { renderTable } from '../src/report/table.js';
import { bannerEvent, portEvent } from '../src/model/event.js';
import { emitEvent } from '../src/modules/plugins/plugin-events.js';
import { readOutput } from '../src/sandbox/result.js';
import { forTerminal, jsonForTerminal, linesForTerminal } from '../src/report/terminal-text.js';

const ESC = '\x1b';
const BEL = '\x07';

/** The strings term-scanner.wat carries, as the plugin wrote them. */
const RAW = {
  summary: `sum${ESC}]0;PWNED-TITLE${BEL}`,
  serviceName: `svc${ESC}[2J${ESC}[H`,
  product: 'prod\u009b31m',
  title: `clip${ESC}]52;c;UFdORUQ=${BEL}`,
  id: 'rlo\u202egnp',
  transport: `tcp\r${ESC}]8;;http://evil.example/${ESC}\\`,
  error: `err${ESC}]8;;http://evil.example/${ESC}\\link${ESC}]8;;${ESC}\\${BEL}\r!`,
  log: `log${ESC}]0;LOG-TITLE${BEL}${ESC}[2J\u009b\r!`,
};

/** The same strings as a person must see them (the notation docs and terminal-text.ts promise). */
const SHOWN = {
  summary: String.raw`sum\x1b]0;PWNED-TITLE\x07`,
  headline: String.raw`svc\x1b[2J\x1b[H prod\u009b31m`,
  finding: String.raw`clip\x1b]52;c;UFdORUQ=\x07 (rlo\u202egnp)`,
  error: String.raw`err\x1b]8;;http://evil.example/\x1b\link\x1b]8;;\x1b\\x07\x0d!`,
  log: String.raw`log\x1b]0;LOG-TITLE\x07\x1b[2J\u009b\x0d!`,
};

/** term-output.wat's report, byte for byte. */
const REPORT = Buffer.from(`REPORT${ESC}]0;OUT-TITLE${BEL}${ESC}[2J\n\u009bline2${ESC}]52;c;UFdORUQ=${BEL}\u202e\r\nend\n`);

/** Runs the built CLI on a pseudo-terminal (util-linux `script`), 200 columns wide, as a person would. */
function onTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = `stty cols 200 rows 50; exec ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
    let screen = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (screen += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

/**
 * Every control, C1 or bidi code point that reached the terminal, except
 * what the CLI itself writes: newlines (the pty's CRLF), tabs, and its
 * progress bar's erase-line (`\r\x1b[2K`).
 */
function rawControls(screen: string): string[] {
  const rest = screen.replace(/\r\x1b\[2K/g, '').replace(/\r+\n/g, '\n');
  return [...rest.matchAll(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069]/gu)].map((m) => m[0]);
}

/** The table's port rows (`  PORT/PROTO  state …`), by label. */
const portRows = (screen: string): string[] => [...screen.matchAll(/^ {2}(\d+\/\S+) /gm)].map((m) => m[1]!);

describe('a hostile plugin cannot write to the terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-term-'));
  let l: Listener;
  const file = (name: string, as = `${name}.wasm`): string => {
    const path = join(dir, as);
    writeFileSync(path, compileWat(name));
    return path;
  };
  let scanner: string;
  let output: string;

  beforeAll(async () => {
    l = await listen('127.0.0.1');
    scanner = file('term-scanner');
    output = file('term-output');
  });
  afterAll(() => l.close());

  it('shows its summary, service, findings and error escaped in the table and its warning, with no row for the port it made up', async () => {
    const { code, screen } = await onTerminal(['scan', '127.0.0.1', '-p', String(l.port), '--profile', 'ports', '--plugin', scanner]);
    expect(code).toBe(0);
    expect(rawControls(screen)).toEqual([]);
    // the port's row: the plugin's service as its headline, then its lines, all escaped
    const row = screen.split(/\r*\n/).find((line) => line.startsWith(`  ${l.port}/tcp `));
    expect(row).toMatch(/ open +syn-ack +/);
    expect(row!.endsWith(`  ${SHOWN.headline}`), row).toBe(true);
    expect(screen).toContain(`term-scanner: ${SHOWN.summary}`);
    expect(screen).toContain(`term-scanner: error: ${SHOWN.error}`);
    expect(screen).toContain(`! HIGH     ${SHOWN.finding}`);
    // the stderr warning carries the plugin's error (on a line of its own, also when the progress bar was up)
    expect(screen.replace(/\r\x1b\[2K/g, '\n')).toMatch(/^wasmap: warning: .*term-scanner.*err\\x1b\]8;;http:\/\/evil\.example\/\\x1b\\link/m);
    // its finding about port 1 (never scanned, hostile transport) made no row
    expect(portRows(screen)).toEqual([`${l.port}/tcp`]);
  });

  it('shows its log lines, error and results escaped in `wasmap plugin test`', async () => {
    const { code, screen } = await onTerminal(['plugin', 'test', scanner, '--target', `127.0.0.1:${l.port}`]);
    expect(code).toBe(1); // the plugin returned application-error
    expect(rawControls(screen)).toEqual([]);
    expect(screen).toContain(`error     ${SHOWN.error}`);
    expect(screen).toContain(`[info] ${SHOWN.log}`);
    // the emitted map as JSON: C0 escaped by JSON, C1 and bidi as \u escapes
    expect(screen).toContain(String.raw`"summary":"sum\u001b]0;PWNED-TITLE\u0007"`);
    expect(screen).toContain(String.raw`"product":"prod\u009b31m"`);
    expect(screen).toContain(String.raw`"id":"rlo\u202egnp"`);
  });

  it('keeps the exact strings in JSONL (piped), and escapes them when JSONL goes to a terminal', async () => {
    const piped = await runCli(['scan', '127.0.0.1', '-p', String(l.port), '--profile', 'ports', '--plugin', scanner, '-f', 'jsonl', '-q']);
    expect(piped.code).toBe(0);
    const mine = parseJsonl(piped.stdout).filter((e) => e.origin.type === 'term-scanner');
    const emitted = mine.find((e) => e.result.summary !== undefined);
    expect(emitted.result.summary).toBe(RAW.summary);
    expect(emitted.result.service).toEqual({ name: RAW.serviceName, product: RAW.product });
    expect(emitted.result.findings[0]).toMatchObject({ id: RAW.id, title: RAW.title });
    expect(mine.find((e) => e.result.error !== undefined).result.error).toBe(RAW.error);
    // stderr is for people even when it is a pipe: the warning is escaped there too
    expect(piped.stderr).toContain(SHOWN.error);
    expect(rawControls(piped.stderr)).toEqual([]);

    const { code, screen } = await onTerminal(['scan', '127.0.0.1', '-p', String(l.port), '--profile', 'ports', '--plugin', scanner, '-f', 'jsonl', '-q']);
    expect(code).toBe(0);
    expect(rawControls(screen)).toEqual([]);
    // still JSON, and still the same data
    const events = screen.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const shown = events.find((e) => e.origin.type === 'term-scanner' && e.result.summary !== undefined);
    expect(shown.result.service).toEqual({ name: RAW.serviceName, product: RAW.product });
    expect(shown.result.findings[0]).toMatchObject({ id: RAW.id, title: RAW.title });
  });

  it('prints load refusals escaped: the file name, manifest values and import names', async () => {
    const manifest = file('term-manifest');
    const imports = file('term-import', `term-import-${ESC}[2J.wasm`);
    const scan = await onTerminal(['scan', '127.0.0.1', '-p', String(l.port), '--profile', 'ports', '--plugin', manifest, '--plugin', imports]);
    expect(scan.code).toBe(2); // plugins the user named that cannot load are bad input
    expect(rawControls(scan.screen)).toEqual([]);
    expect(scan.screen).toMatch(/^wasmap: error: plugin term-manifest\.wasm refused: .*1\.0\.0\\x1b\]0;VER-TITLE\\x07\\x1b\[2J\\u009b/m);
    expect(scan.screen).toMatch(/^wasmap: error: plugin term-import-\\x1b\[2J\.wasm refused: .*env\.sys\\x1b\]0;IMP-TITLE\\x07\\u009b\\u202e/m);
    // the same refusal as a command's error
    const info = await onTerminal(['plugin', 'info', imports]);
    expect(info.code).toBe(2);
    expect(rawControls(info.screen)).toEqual([]);
    expect(info.screen).toMatch(/^wasmap: error: .*env\.sys\\x1b\]0;IMP-TITLE\\x07\\u009b\\u202e/m);
  });

  it("escapes an output plugin's report on a terminal, and writes it byte for byte to --plugin-output", async () => {
    const shown = await onTerminal(['scan', '127.0.0.1', '-p', String(l.port), '--profile', 'ports', '--plugin', output, '-q']);
    expect(shown.code).toBe(0);
    expect(rawControls(shown.screen)).toEqual([]);
    expect(shown.screen).toContain(String.raw`REPORT\x1b]0;OUT-TITLE\x07\x1b[2J`);
    expect(shown.screen).toContain(String.raw`\u009bline2\x1b]52;c;UFdORUQ=\x07\u202e`);

    const report = join(dir, 'report.bin');
    const raw = await onTerminal(['scan', '127.0.0.1', '-p', String(l.port), '--profile', 'ports', '--plugin', output, '--plugin-output', report, '-q']);
    expect(raw.code).toBe(0);
    expect(readFileSync(report)).toEqual(REPORT);
    expect(raw.screen).not.toContain('REPORT');
  });
});

describe('the table shows only what the scan found', () => {
  const at = (port: number) => ({ ip: '127.0.0.1', port, transport: 'tcp' as const });
  const open = (port: number) => portEvent({ ip: '127.0.0.1', port, transport: 'tcp', state: 'open', reason: 'syn-ack' });
  const rows = (table: string): string[] => [...table.matchAll(/^ {2}(\S+) /gm)].map((m) => m[1]!).filter((r) => r !== 'PORT');
  /** the lines of one row, from its label to the next row */
  const block = (table: string, label: string): string => new RegExp(`^  ${label.replace('/', '\\/')} .*\\n(?: {10,}.*\\n)*`, 'm').exec(table)?.[0] ?? '';

  it("never takes a port's headline from a plugin that poses as the banner grabber", () => {
    const forged = emitEvent('banner', at(80), readOutput({ data: { banner: new TextEncoder().encode('FORGED-HEADLINE'), method: 'passive', length: 15 } }));
    const real = bannerEvent({ ip: '127.0.0.1', port: 80, banner: new TextEncoder().encode('REAL banner'), method: 'passive' });
    expect(renderTable([open(80), forged, real], 200)).toMatch(/^ {2}80\/tcp +open +syn-ack +REAL banner$/m);
    expect(renderTable([open(80), forged], 200)).not.toContain('FORGED-HEADLINE');
  });

  it('lists a finding naming another port under its own port, and makes no row for a port never reported', () => {
    const finding = (id: string, port: number) => ({ severity: 'high', id, title: id, port, transport: 'tcp' });
    const scanner = emitEvent('probe', at(80), readOutput({ findings: [finding('names-22', 22), finding('names-9', 9)] }));
    // an evaluator (host row) may still place a finding under a reported port (ABI A8)
    const evaluator = emitEvent('audit', at(0), readOutput({ findings: [finding('about-22', 22), finding('about-7', 7)] }));
    // a result about a port the scan never reported has no row to go in
    const stray = emitEvent('probe', at(9), readOutput({ summary: 'stray-summary', service: { name: 'ghost' } }));
    const table = renderTable([open(22), open(80), scanner, evaluator, stray], 200);
    expect(rows(table)).toEqual(['22/tcp', '80/tcp', 'host']);
    expect(table).not.toMatch(/stray-summary|ghost/);
    expect(block(table, '80/tcp')).toMatch(/\(names-22\)[^]*\(names-9\)/);
    expect(block(table, '22/tcp')).toContain('(about-22)');
    expect(block(table, 'host')).toContain('(about-7)');
  });
});

describe('text for the terminal', () => {
  it('shows C0 as \\xNN, C1 and bidi as \\uNNNN, tags as \\u{…}, and keeps printable text', () => {
    expect(forTerminal(`a${ESC}[2J${BEL}\r\n\tb`)).toBe(String.raw`a\x1b[2J\x07\x0d\x0a\x09b`);
    expect(forTerminal('\u009b31m \u202e \u2066 \u{e0041} é ✓')).toBe(String.raw`\u009b31m \u202e \u2066 \u{e0041} é ✓`);
    // several lines keep their line ends and tabs, nothing else
    expect(linesForTerminal(`one\r\ntwo\tthree\rfour${ESC}\n`)).toBe(`one\r\ntwo\tthree\\x0dfour\\x1b\n`);
  });

  it('keeps JSON the same JSON', () => {
    const value = { s: `x${ESC}\u009b\u202e\u{e0041}y` };
    const text = jsonForTerminal(JSON.stringify(value));
    expect(rawControls(text)).toEqual([]);
    expect(text).not.toMatch(/[\u0080-\u009f\u202e\u{e0041}]/u);
    expect(JSON.parse(text)).toEqual(value);
  });
});
