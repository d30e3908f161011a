/**
 * Event writers for every output format. Writers stream (JSONL and CSV write
 * each event at once, JSON writes one array incrementally) except the table
 * and nmap's formats, which group by host and are written at close (nmap's
 * write their header at once). A closed pipe (`| head`) ends output quietly
 * instead of crashing the scan.
 */
import type { Writable } from 'node:stream';
import type { ScanEvent } from '../model/event.js';
import type { ScanSummary } from './summary.js';
import { toJson } from './encode.js';
import { csvHeader, csvRow } from './csv.js';
import { renderTable } from './table.js';
import { htmlWriter, type HtmlReportMeta } from './html/writer.js';
import type { NmapRun } from './nmap-run.js';
import { nmapXmlBody, nmapXmlHead } from './nmap-xml.js';
import { nmapNormalBody, nmapNormalHead } from './nmap-normal.js';
import { nmapGrepBody, nmapGrepHead } from './nmap-grep.js';

export const OUTPUT_FORMATS = ['table', 'jsonl', 'json', 'csv', 'html', 'nmap-xml', 'nmap-normal', 'nmap-grep'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface EventWriter {
  write(ev: ScanEvent): void;
  close(summary?: ScanSummary): Promise<void>;
}

export interface WriterOptions {
  /** terminal width for the table */
  columns?: number;
  /** what the HTML report's header says besides the events (profile, plugins) */
  html?: HtmlReportMeta;
  /** the command line, start time and ports, for nmap's formats */
  run?: NmapRun;
  /** where --screenshots wrote an event's PNG, for the table */
  screenshotFile?: (ev: ScanEvent) => string | undefined;
}

/** nmap's formats: a header at once, the hosts at close. */
const NMAP = {
  'nmap-xml': { head: nmapXmlHead, body: nmapXmlBody },
  'nmap-normal': { head: nmapNormalHead, body: nmapNormalBody },
  'nmap-grep': { head: nmapGrepHead, body: nmapGrepBody },
} as const;

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
          put(renderTable(events, opts.columns ?? 100, summary, opts.screenshotFile));
          return end();
        },
      };
    }
    case 'html':
      return htmlWriter(put, end, opts.html);
    case 'nmap-xml':
    case 'nmap-normal':
    case 'nmap-grep': {
      const nmap = NMAP[format];
      const run = opts.run ?? {};
      const start = run.start ?? Date.now();
      put(nmap.head(run, start));
      const events: ScanEvent[] = [];
      return {
        write: (ev) => void events.push(ev),
        close(summary) {
          put(nmap.body(events, summary, start));
          return end();
        },
      };
    }
  }
}

/** The format implied by an output file's extension, if any. */
export function formatFromPath(path: string): OutputFormat | undefined {
  const m = /\.(jsonl|ndjson|json|csv|txt|html|xml|nmap|gnmap)$/i.exec(path);
  if (!m) return undefined;
  const ext = m[1]!.toLowerCase();
  const named: Record<string, OutputFormat> = { ndjson: 'jsonl', txt: 'table', xml: 'nmap-xml', nmap: 'nmap-normal', gnmap: 'nmap-grep' };
  return named[ext] ?? (ext as OutputFormat);
}
