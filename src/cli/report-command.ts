/**
 * `wasmap report INPUT.jsonl [-f FORMAT] [-o FILE]`: a saved scan (local or
 * distributed) rendered again in any output format, without scanning. A
 * corrupt line is skipped with a warning naming it; a missing input or an
 * unwritable output is one line, exit 2, before anything is written.
 */
import { access } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { readJsonlEvents, SummaryFromEvents } from '../report/jsonl-read.js';
import { forTerminal, jsonForTerminal, linesForTerminal } from '../report/terminal-text.js';
import { createWriter, OUTPUT_FORMATS, type OutputFormat } from '../report/writer.js';
import { openOutputFile } from './event-output.js';
import { reportFatal } from './fatal.js';
import { choiceOption } from './options.js';
import { outputFileFormat } from './output-format.js';
import { escapedTerminal } from './terminal-stream.js';
import { checkScreenshotDir, openScreenshotDir } from './screenshot-dir.js';

export async function runReportCommand(input: string, opts: { format?: string; output?: string; screenshots?: string }): Promise<number> {
  try {
    const chosen = choiceOption('--format', opts.format, OUTPUT_FORMATS);
    const format: OutputFormat = opts.output ? outputFileFormat(opts.output, chosen) : chosen ?? (process.stdout.isTTY ? 'table' : 'jsonl');
    await access(input).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read '${input}': ${e.code ?? e.message}`);
    });
    if (opts.screenshots !== undefined) checkScreenshotDir(opts.screenshots);
    const out = opts.output
      ? openOutputFile(opts.output)
      : process.stdout.isTTY && format !== 'table'
        ? escapedTerminal(process.stdout, format === 'csv' ? linesForTerminal : jsonForTerminal)
        : process.stdout;
    const shots = opts.screenshots !== undefined ? openScreenshotDir(opts.screenshots, (m) => process.stderr.write(`wasmap: ${forTerminal(m)}\n`)) : undefined;
    const writer = createWriter(format, out, { columns: opts.output || !process.stdout.isTTY ? Infinity : (process.stdout.columns ?? 100), screenshotFile: shots?.fileOf });
    const summary = new SummaryFromEvents();
    let skipped = 0;
    for await (const ev of readJsonlEvents(input, (line, why) => {
      skipped++;
      process.stderr.write(`wasmap: warning: ${forTerminal(input)} line ${line}: ${why}, skipped\n`);
    })) {
      summary.add(ev);
      shots?.write(ev);
      writer.write(ev);
    }
    await shots?.close();
    await writer.close(summary.summary());
    if (summary.summary().events === 0) process.stderr.write(`wasmap: warning: ${forTerminal(input)} holds no events${skipped ? ` (${skipped} lines skipped)` : ''}\n`);
    return 0;
  } catch (e) {
    return reportFatal(e);
  }
}
