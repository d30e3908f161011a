/** CSV rows (RFC 4180 quoting), one per event; non-port data goes in a JSON column. */
import { portStateOf, type ScanEvent } from '../model/event.js';
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
  const isPort = ev.origin.module === 'portscan';
  const state = isPort ? portStateOf(ev) : undefined;
  return [
    ev.origin.ts,
    ev.origin.type,
    ev.origin.module,
    ev.target.ip,
    ev.target.hostname ?? '',
    ev.target.port,
    ev.target.protocol,
    state?.state,
    state?.reason,
    isPort ? '' : toJson(ev.result),
  ].map(quote).join(',');
}
