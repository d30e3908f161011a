/** Opens where `dag run` writes its events: a file (-o) or stdout, stamping one job id on all of them; and the -o file of `scan`. */
import { randomUUID } from 'node:crypto';
import { createWriteStream, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { createWriter, type EventWriter, type OutputFormat } from '../report/writer.js';
import { withJobId, type ScanEvent } from '../model/event.js';
import { jsonForTerminal } from '../report/terminal-text.js';
import { escapedTerminal } from './terminal-stream.js';

/** Creates or truncates `file` now (so a file that cannot be written is a usage error before anything runs). */
export function openOutputFile(file: string): Writable {
  try {
    return createWriteStream('', { fd: openSync(file, 'w') });
  } catch (e) {
    throw new UsageError(`cannot write '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function openEventOutput(file: string | undefined, format: OutputFormat): EventWriter {
  // on a terminal the same JSON, with C1 and bidi characters as \u escapes
  const out = file ? openOutputFile(file) : process.stdout.isTTY ? escapedTerminal(process.stdout, jsonForTerminal) : process.stdout;
  const writer = createWriter(format, out as Writable);
  const jobId = randomUUID();
  return { write: (ev: ScanEvent) => writer.write(withJobId(ev, jobId)), close: (s) => writer.close(s) };
}
