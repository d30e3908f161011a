/**
 * Event writers for every output format. Writers stream (JSONL and CSV write
 * each event at once, JSON writes one array incrementally) except the table,
 * which groups by host and is written at close. A closed pipe (`| head`) ends
 * output quietly instead of crashing the scan.
 */
import type { Writable } from 'node:stream';
import type { ScanEvent } from '../model/event.js';
import type { ScanSummary } from './summary.js';
import { toJson } from './encode.js';
import { csvHeader, csvRow } from './csv.js';
import { renderTable } from './table.js';

export const OUTPUT_FORMATS = ['table', 'jsonl', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface EventWriter {
  write(ev: ScanEvent): void;
  close(summary?: ScanSummary): Promise<void>;
}

export interface WriterOptions {
  /** terminal width for the table */
  columns?: number;
}

export function createWriter(format: OutputFormat, out: Writable, opts: WriterOptions = {}): EventWriter {
  let broken = false;
  out.on('error', () => {
    broken = true;
  });
  const put = (s: string): void => {
    if (!broken && !out.destroyed) out.write(s);
  };
  const end = (): Promise<void> =>
    new Promise((resolve) => {
      if (broken || out.destroyed) return resolve();
      // Never end process.stdout/stderr: only flush them.
      if (out === process.stdout || out === process.stderr) out.write('', () => resolve());
      else out.end(() => resolve());
    });

  switch (format) {
    case 'jsonl':
      return { write: (ev) => put(toJson(ev) + '\n'), close: end };
    case 'json': {
      let first = true;
      return {
        write(ev) {
          put((first ? '[\n' : ',\n') + toJson(ev));
          first = false;
        },
        close() {
          put(first ? '[]\n' : '\n]\n');
          return end();
        },
      };
    }
    case 'csv': {
      put(csvHeader() + '\n');
      return { write: (ev) => put(csvRow(ev) + '\n'), close: end };
    }
    case 'table': {
      const events: ScanEvent[] = [];
      return {
        write: (ev) => void events.push(ev),
        close(summary) {
          put(renderTable(events, opts.columns ?? 100, summary));
          return end();
        },
      };
    }
  }
}

/** The format implied by an output file's extension, if any. */
export function formatFromPath(path: string): OutputFormat | undefined {
  const m = /\.(jsonl|ndjson|json|csv|txt)$/i.exec(path);
  if (!m) return undefined;
  const ext = m[1]!.toLowerCase();
  return ext === 'ndjson' ? 'jsonl' : ext === 'txt' ? 'table' : (ext as OutputFormat);
}
