/** The closing summary of a scan: counts, time and rate. */
export interface ScanSummary {
  job_id: string;
  hosts: number;
  hosts_up?: number;
  ports_probed: number;
  open: number;
  events: number;
  /** plugin nodes of the run: how many, how many failed, and their invocations */
  plugins?: { run: number; failed: number; invocations: number };
  elapsed_ms: number;
  /** probes per second over the whole scan */
  rate: number;
  /** set when the scan was cut short, e.g. `SIGINT` */
  interrupted?: string;
}

export function summaryLine(s: ScanSummary): string {
  const secs = s.elapsed_ms / 1000;
  const parts = [
    `${s.hosts} host${s.hosts === 1 ? '' : 's'}${s.hosts_up !== undefined ? ` (${s.hosts_up} up)` : ''}`,
    `${s.ports_probed.toLocaleString('en-US')} ports probed`,
    `${s.open} open`,
    `${secs.toFixed(2)} s`,
    `${Math.round(s.rate).toLocaleString('en-US')} probes/s`,
  ];
  return `wasmap: ${parts.join(', ')}${s.interrupted ? ` — interrupted by ${s.interrupted}, partial results kept` : ''}`;
}
