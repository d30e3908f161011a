/**
 * Where `wasmap scan` writes events: the -o file in its format, and stdout
 * (the table on a terminal, JSONL when piped, unless -o took the data).
 * Opened only after the Scanner accepted the scan, so a refusal leaves an
 * existing -o file as it was.
 */
import { createWriter, OUTPUT_FORMATS, type EventWriter, type OutputFormat } from '../report/writer.js';
import { jsonForTerminal, linesForTerminal } from '../report/terminal-text.js';
import { choiceOption } from './options.js';
import { outputFileFormat } from './output-format.js';
import { escapedTerminal } from './terminal-stream.js';
import { openOutputFile } from './event-output.js';
import type { ScanFlags } from './scan-flags.js';

export function openSinks(f: ScanFlags): EventWriter[] {
  // a dry run writes nothing: its count goes to stderr with the summary
  if (f.dryRun) return [];
  const chosen = choiceOption('--format', f.format, OUTPUT_FORMATS);
  const sinks: EventWriter[] = [];
  if (f.output) {
    const format: OutputFormat = outputFileFormat(f.output, chosen);
    // a file or a pipe keeps whole lines; only a terminal's width cuts them
    sinks.push(createWriter(format, openOutputFile(f.output), { columns: Infinity }));
  }
  if (!f.output || process.stdout.isTTY) {
    const format: OutputFormat = f.output ? 'table' : chosen ?? (process.stdout.isTTY ? 'table' : 'jsonl');
    // the table escapes its cells itself; JSON stays the same JSON (C1 and bidi as \u escapes)
    const out = process.stdout.isTTY && format !== 'table' ? escapedTerminal(process.stdout, format === 'csv' ? linesForTerminal : jsonForTerminal) : process.stdout;
    sinks.push(createWriter(format, out, { columns: process.stdout.isTTY ? (process.stdout.columns ?? 100) : Infinity }));
  }
  return sinks;
}
