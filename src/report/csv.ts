/** CSV rows (RFC 4180 quoting), one per event; a finding's severity and id have columns, non-port data goes in a JSON column. */
import { FINDING, portStateOf, type ScanEvent } from '../model/event.js';
import { toJson } from './encode.js';

const COLUMNS = ['ts', 'type', 'module', 'ip', 'hostname', 'port', 'protocol', 'state', 'reason', 'severity', 'finding_id', 'data'] as const;

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
  const finding = ev.origin.type === FINDING ? (ev.result.data as { severity?: unknown; id?: unknown }) : undefined;
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
    finding?.severity,
    finding?.id,
    isPort ? '' : toJson(ev.result),
  ].map(quote).join(',');
}
