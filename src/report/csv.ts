/** CSV rows (RFC 4180 quoting), one per event; non-port data goes in a JSON column. */
import type { ScanEvent } from '../model/event.js';
import { toJson } from './encode.js';

const COLUMNS = ['ts', 'type', 'module', 'ip', 'hostname', 'port', 'protocol', 'state', 'reason', 'data'] as const;

function quote(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return COLUMNS.join(',');
}

export function csvRow(ev: ScanEvent): string {
  const data = ev.result.data as { state?: { state?: string; reason?: string } };
  const isPort = ev.origin.module === 'portscan';
  return [
    ev.origin.ts,
    ev.origin.type,
    ev.origin.module,
    ev.target.ip,
    ev.target.hostname ?? '',
    ev.target.port,
    ev.target.protocol,
    isPort ? data.state?.state : '',
    isPort ? data.state?.reason : '',
    isPort ? '' : toJson(ev.result),
  ].map(quote).join(',');
}
