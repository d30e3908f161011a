/**
 * Where `wasmap scan` writes events: every output file (-o in its format,
 * --html, -oX/-oN/-oG, -oA's four, --screenshots DIR's PNGs), each fed every event, and stdout (the
 * table on a terminal, JSONL when piped, unless a file took the data; -f
 * without -o names its format; `-oX -` and the like put that format there).
 * All are checked before any is opened, and opened only after the Scanner
 * accepted the scan, so a refusal leaves existing files as they were.
 */
import { createWriter, OUTPUT_FORMATS, type EventWriter, type OutputFormat } from '../report/writer.js';
import type { HtmlReportMeta } from '../report/html/writer.js';
import { jsonForTerminal, linesForTerminal } from '../report/terminal-text.js';
import { choiceOption } from './options.js';
import { planOutputs, type OutputFlags } from './output-format.js';
import { escapedTerminal } from './terminal-stream.js';
import { openOutputFile } from './event-output.js';
import type { Writable } from 'node:stream';
import type { ScanFlags } from './scan-flags.js';
import type { NmapRun } from '../report/nmap-run.js';
import type { Scanner } from '../scan/scanner.js';
import type { QueuedScan } from '../distributed/queued-scan.js';
import type { LocalShardedScan } from '../distributed/local-shards.js';
import { UsageError } from '../errors.js';
import { openScreenshotDir } from './screenshot-dir.js';

/**
 * `html`: what the HTML report's header says besides the events; `run`: the
 * ports scanned, for nmap's XML (the command line and start time are filled in).
 */
export function openSinks(f: ScanFlags & OutputFlags, html: HtmlReportMeta = { profile: f.profile ?? 'default' }, run: NmapRun = {}, note: (line: string) => void = () => {}): EventWriter[] {
  // a dry run writes nothing: its count goes to stderr with the summary
  if (f.dryRun) return [];
  // first, so the table knows where each PNG went
  const shots = f.screenshots !== undefined ? openScreenshotDir(f.screenshots, note, !!f.quiet) : undefined;
  const chosen = choiceOption('--format', f.format, OUTPUT_FORMATS);
  // checked again right before opening: nothing is created unless every one can be
  const plan = planOutputs(f, chosen);
  const nmap: NmapRun = { args: `wasmap ${process.argv.slice(2).join(' ')}`, start: Date.now(), verbose: !!f.verbose, ...run };
  // a file or a pipe keeps whole lines; only a terminal's width cuts them
  const screenshotFile = shots?.fileOf;
  const sinks: EventWriter[] = plan.map((p) => createWriter(p.format, p.path === '-' ? stdoutFor(p.format) : openOutputFile(p.path), { columns: Infinity, html, run: nmap, screenshotFile }));
  if (shots) sinks.unshift(shots);
  const stdoutTaken = plan.some((p) => p.path === '-');
  const filesTakeData = plan.length > 0 && !(chosen && !f.output);
  if (!stdoutTaken && (!filesTakeData || process.stdout.isTTY)) {
    const format: OutputFormat = filesTakeData ? 'table' : chosen ?? (process.stdout.isTTY ? 'table' : 'jsonl');
    sinks.push(createWriter(format, stdoutFor(format), { columns: process.stdout.isTTY ? (process.stdout.columns ?? 100) : Infinity, html, run: nmap, screenshotFile }));
  }
  return sinks;
}

/** The ports a scan covers, for nmap's `<scaninfo>`; undefined for a profile that plans none. */
export function scannedPorts(s: Scanner | QueuedScan | LocalShardedScan): NmapRun['ports'] {
  if ('plan' in s) return { tcp: s.plan.ports, udp: [] };
  try {
    return s.targetPlan.ports;
  } catch (e) {
    if (e instanceof UsageError) return undefined;
    throw e;
  }
}

/** The table escapes its cells itself; JSON stays the same JSON (C1 and bidi as \u escapes); other text shows them visibly. */
function stdoutFor(format: OutputFormat): Writable {
  if (!process.stdout.isTTY || format === 'table') return process.stdout;
  return escapedTerminal(process.stdout, format === 'jsonl' || format === 'json' ? jsonForTerminal : linesForTerminal);
}
