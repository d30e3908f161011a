/**
 * nmap's normal output (`-oN`), laid out as nmap writes it so that what
 * people grep for stays where it was: `Nmap scan report for …`, `Host is
 * up`, the PORT/STATE/SERVICE/VERSION table, script results as `| id: …`
 * and `|_…`, `Service Info:`, `Host script results:`. The comment lines
 * (`# … scan initiated …`, `# … done at …`) say wasmap, not Nmap.
 *
 * Every line goes through forTerminal: the file is read with cat and less,
 * and plugin text must not drive the terminal or break a line.
 */
import type { ScanEvent } from '../model/event.js';
import type { ScanSummary } from './summary.js';
import { collectScan, hostRtt, type NmapHost } from './nmap-hosts.js';
import { doneText, initiatedLine, runStats, type NmapRun } from './nmap-run.js';
import type { NmapScript } from './nmap-script.js';
import { versionText } from './nmap-service.js';
import { forTerminal } from './terminal-text.js';

export function nmapNormalHead(run: NmapRun, start: number): string {
  return `# ${forTerminal(initiatedLine(run, start))}\n`;
}

/** `| id: first`, `| more`, `|_last` (one line: `|_id: output`). */
function scriptLines(s: NmapScript): string[] {
  const lines = `${s.id}: ${s.output}`.split('\n').map((l) => forTerminal(l));
  return lines.map((l, i) => `${i === lines.length - 1 ? '|_' : '| '}${l}`);
}

/** `Service Info: Host: x; OS: Linux; CPE: cpe:/o:linux:linux_kernel`, from the services' fields. */
function serviceInfo(h: NmapHost): string | undefined {
  const all = (pick: (p: NmapHost['ports'][number]) => string[]): string[] => [...new Set(h.ports.flatMap(pick))];
  const parts: string[] = [];
  const add = (one: string, many: string, values: string[]): void => {
    if (values.length > 0) parts.push(`${values.length === 1 ? one : many}: ${values.join(', ')}`);
  };
  add('Host', 'Hosts', all((p) => (p.service?.hostname ? [p.service.hostname] : [])));
  add('OS', 'OSs', all((p) => (p.service?.ostype ? [p.service.ostype] : [])));
  add('Device', 'Devices', all((p) => (p.service?.devicetype ? [p.service.devicetype] : [])));
  add('CPE', 'CPE', all((p) => p.service?.cpe.filter((c) => c.startsWith('cpe:/o:')) ?? []));
  return parts.length > 0 ? forTerminal(`Service Info: ${parts.join('; ')}`) : undefined;
}

function hostText(h: NmapHost): string {
  const name = h.hostnames[0];
  const lines = [forTerminal(`Nmap scan report for ${name ? `${name} (${h.ip})` : h.ip}`)];
  const rtt = hostRtt(h);
  lines.push(rtt !== undefined ? `Host is up (${(rtt / 1000).toPrecision(2)}s latency).` : 'Host is up.');
  if (h.hostnames.length > 1) lines.push(forTerminal(`Other names for ${h.ip}: ${h.hostnames.slice(1).join(' ')}`));
  lines.push('');
  const rows = h.ports.map((p) => ({
    port: `${p.port}/${p.protocol}`,
    state: forTerminal(p.state),
    service: forTerminal(p.service?.name ?? 'unknown'),
    version: forTerminal(versionText(p.service)),
    // the raw banner only where nothing named the service (as the table does)
    scripts: p.service && p.service.name !== 'unknown' ? p.scripts.filter((x) => !x.volatile) : p.scripts,
  }));
  const withVersion = rows.some((r) => r.version);
  const w = (head: string, col: (r: (typeof rows)[number]) => string): number => Math.max(head.length, ...rows.map((r) => col(r).length));
  const wPort = w('PORT', (r) => r.port);
  const wState = w('STATE', (r) => r.state);
  const wService = w('SERVICE', (r) => r.service);
  const row = (a: string, b: string, c: string, d: string): string => `${a.padEnd(wPort)} ${b.padEnd(wState)} ${withVersion ? `${c.padEnd(wService)} ${d}` : c}`.trimEnd();
  lines.push(row('PORT', 'STATE', 'SERVICE', 'VERSION'));
  for (const r of rows) {
    lines.push(row(r.port, r.state, r.service, r.version));
    for (const s of r.scripts) lines.push(...scriptLines(s));
  }
  const info = serviceInfo(h);
  if (info) lines.push(info);
  if (h.scripts.length > 0) lines.push('', 'Host script results:', ...h.scripts.flatMap(scriptLines));
  return lines.join('\n') + '\n\n';
}

export function nmapNormalBody(events: readonly ScanEvent[], summary: ScanSummary | undefined, start: number): string {
  const scan = collectScan(events);
  let out = scan.hosts.map(hostText).join('');
  if (scan.errors.length > 0) out += ['Post-scan script results:', ...scan.errors.flatMap(scriptLines)].join('\n') + '\n';
  return out + `# ${forTerminal(doneText(runStats(summary, start, scan.hosts.length), ' --'))}\n`;
}
