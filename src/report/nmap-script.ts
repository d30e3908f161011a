/**
 * A plugin's result as an NSE script result: `output` (the text nmap shows
 * under the port) and the structure NSE writes as `<elem key>`/`<table key>`:
 *
 * - a map becomes a keyed `<table>`, a list an unkeyed one, the result's
 *   `data` map the script's top level (as an NSE script's returned table);
 * - a string, number, boolean or bigint becomes an `<elem>` with its text
 *   (null as `null`); raw bytes become their text when they are printable
 *   UTF-8, else lowercase hex;
 * - `result.findings` follow as `<table key="findings">`, one table each.
 *
 * Plugins are untrusted and their data can be large, so the structure is
 * bounded: 6 levels (deeper values are written as compact JSON text), 100
 * entries per table, 2,000 characters per value, 1,000 nodes per script;
 * what is cut is said by a `truncated` elem. `output` is the error and the
 * summary line when the plugin gave them, else NSE's indented `key: value`
 * text of the data (60 lines at most), then one line per finding.
 */
import type { ScanEvent } from '../model/event.js';
import type { Finding } from '../model/key-contracts.js';
import { toJson } from './encode.js';

export type NseNode = { key?: string; value: string } | { key?: string; children: NseNode[] };

export interface NmapScript {
  id: string;
  output: string;
  nodes: NseNode[];
  /** raw bytes that change from run to run (a banner's Date:): structure only in the XML, see nmap-xml.ts */
  volatile?: boolean;
}

const MAX_DEPTH = 6;
const MAX_ENTRIES = 100;
const MAX_TEXT = 2000;
const MAX_NODES = 1000;
const MAX_LINES = 60;
/** a banner line, as long as nmap's banner script shows one */
const BANNER_MAX = 160;
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

const cut = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

/** Printable UTF-8 (tabs and line breaks allowed) as text, anything else as hex. */
export function bytesText(b: Uint8Array): string {
  const head = b.subarray(0, MAX_TEXT / 2);
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(head);
    if (!/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) return text;
  } catch {
    // not UTF-8: hex below
  }
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('hex');
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return bytesText(v);
  return undefined;
}

function entriesOf(v: object): [string | undefined, unknown][] {
  if (Array.isArray(v)) return v.map((x) => [undefined, x]);
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [String(k), x]);
  return Object.entries(v);
}

function convert(key: string | undefined, v: unknown, depth: number, budget: { nodes: number }): NseNode | undefined {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  budget.nodes--;
  const scalar = scalarText(v);
  if (scalar !== undefined) return { key, value: cut(scalar) };
  if (depth >= MAX_DEPTH) return { key, value: cut(toJson(v) ?? '') };
  return { key, children: children(v as object, depth + 1, budget) };
}

function children(v: object, depth: number, budget: { nodes: number }): NseNode[] {
  const entries = entriesOf(v);
  const out: NseNode[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (i >= MAX_ENTRIES || budget.nodes <= 0) {
      out.push({ key: 'truncated', value: `${entries.length - i} more entries not shown` });
      break;
    }
    const [k, x] = entries[i]!;
    const node = convert(k, x, depth, budget);
    if (node) out.push(node);
  }
  return out;
}

/** NSE's text for structured output: `key: value`, two spaces more per level. */
function nodesText(nodes: NseNode[], indent: number, lines: string[]): void {
  for (const n of nodes) {
    const pad = ' '.repeat(indent);
    const label = n.key !== undefined ? `${n.key}: ` : '';
    if ('value' in n) {
      const [first, ...rest] = n.value.split('\n');
      lines.push(`${pad}${label}${first}`);
      for (const r of rest) lines.push(`${pad}  ${r}`);
    } else {
      lines.push(`${pad}${label}`.trimEnd() || `${pad}-`);
      nodesText(n.children, indent + 2, lines);
    }
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const rank = (f: Finding): number => {
  const i = SEVERITY_ORDER.indexOf(str(f.severity) ?? 'info');
  return i < 0 ? SEVERITY_ORDER.length : i;
};

/** `[HIGH] Redis reachable without authentication (redis-no-auth)` */
export function findingLine(f: Finding): string {
  return `[${(str(f.severity) ?? 'info').toUpperCase()}] ${String(f.title ?? '')} (${String(f.id ?? '?')})`;
}

/**
 * A script result: `data` (the plugin's map, or none), the error and summary
 * lines, and findings (most severe first).
 */
export function nmapScript(id: string, parts: { data?: unknown; error?: string; summary?: string; findings?: readonly Finding[] }): NmapScript {
  const budget = { nodes: MAX_NODES };
  const data = parts.data !== undefined && parts.data !== null && typeof parts.data === 'object' && !(parts.data instanceof Uint8Array)
    ? children(parts.data, 1, budget)
    : parts.data === undefined ? [] : [convert(undefined, parts.data, 1, budget)!];
  const findings = [...(parts.findings ?? [])].sort((a, b) => rank(a) - rank(b));
  const nodes = findings.length > 0 ? [...data, { key: 'findings', children: children(findings, 2, budget) }] : data;

  const head = [parts.error ? `ERROR: ${parts.error}` : '', parts.summary ?? ''].filter(Boolean);
  const body: string[] = [];
  if (head.length === 0) nodesText(data, 2, body);
  if (body.length > MAX_LINES) body.splice(MAX_LINES, body.length, `  … ${body.length - MAX_LINES} more lines`);
  body.push(...findings.map((f) => `  ${findingLine(f)}`));
  // the summary leads; without one, a single line stays on the script's line and a list starts on the next, as NSE's do
  const output = head.length > 0 ? [...head, ...body].join('\n') : body.length <= 1 ? (body[0] ?? '').trim() : `\n${body.join('\n')}`;
  return { id, output, nodes };
}

/** A plugin's event as a script result, its findings included. */
export function eventScript(ev: ScanEvent, findings: readonly Finding[] = ev.result.findings ?? []): NmapScript {
  const r = ev.result;
  return nmapScript(ev.origin.type, { data: r.data, error: str(r.error), summary: str(r.summary), findings });
}

/** Raw bytes as nmap's banner script shows them: printable ASCII, the rest as `\xNN`, trailing line breaks dropped, cut at 160 characters. */
export function bannerScript(bytes: Uint8Array): NmapScript {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  let s = '';
  for (const b of bytes.subarray(0, end)) {
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (s.length >= BANNER_MAX) return { id: 'banner', output: `${s.slice(0, BANNER_MAX - 1)}…`, nodes: [], volatile: true };
  }
  return { id: 'banner', output: s, nodes: [], volatile: true };
}
