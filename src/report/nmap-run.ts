/**
 * What nmap's formats say about the run as a whole: the command line, when
 * it started, the ports it covered, and the closing "done" line they share.
 */
import { createRequire } from 'node:module';
import type { ScanSummary } from './summary.js';

export const WASMAP_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export interface NmapRun {
  /** the command line as typed, e.g. `wasmap scan 127.0.0.1 -p 22 -oX a.xml` (default `wasmap`) */
  args?: string;
  /** when the scan started, ms since the epoch (default: when the writer opened) */
  start?: number;
  /** the ports scanned, for `<scaninfo>` (left out when unknown) */
  ports?: { tcp: readonly number[]; udp: readonly number[] };
  verbose?: boolean;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Local time as C's ctime writes it, as nmap does: `Sat Dec  5 07:14:43 2026`. */
export function nmapDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** `21-22,80`: sorted, runs of consecutive ports as ranges. */
export function portRanges(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The first comment line of the normal and grepable files (nmap's `# Nmap 7.93 scan initiated …`). */
export function initiatedLine(run: NmapRun, start: number): string {
  return `wasmap ${WASMAP_VERSION} scan initiated ${nmapDate(start)} as: ${run.args ?? 'wasmap'}`;
}

export interface RunStats {
  end: number;
  /** seconds, two decimals */
  elapsed: string;
  total: number;
  up: number;
  /** why the scan did not finish, if it did not */
  stopped?: string;
  /** `1 IP address (1 host up) scanned in 12.52 seconds`, as nmap counts */
  counts: string;
}

/** nmap's `Nmap done at … -- 1 IP address …` (`;` in the XML), said by wasmap, and why it stopped early if it did. */
export function doneText(s: RunStats, separator: ' --' | ';'): string {
  return `wasmap done at ${nmapDate(s.end)}${separator} ${s.counts}${s.stopped ? ` (${s.stopped})` : ''}`;
}

/** The closing numbers: from the summary when there is one, else from what the file lists. */
export function runStats(summary: ScanSummary | undefined, start: number, listed: number): RunStats {
  const end = Date.now();
  const elapsed = ((summary?.elapsed_ms ?? end - start) / 1000).toFixed(2);
  const total = Math.max(summary?.hosts ?? listed, listed);
  const up = summary?.hosts_up ?? listed;
  const stopped = !summary ? 'the scan stopped before it finished' : summary.interrupted ? `interrupted by ${summary.interrupted}, partial results` : undefined;
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const counts = `${plural(total, 'IP address', 'IP addresses')} (${plural(up, 'host', 'hosts')} up) scanned in ${elapsed} seconds`;
  return { end, elapsed, total, up, stopped, counts };
}
