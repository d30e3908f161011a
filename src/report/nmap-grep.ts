/**
 * nmap's grepable output (`-oG`), line for line as nmap writes it, so the
 * classic one-liners keep working (`grep open`, `awk '/Up$/{print $2}'`,
 * `cut -f2` of the Ports field):
 *
 *   Host: 127.0.0.1 ()	Status: Up
 *   Host: 127.0.0.1 ()	Ports: 22/open/tcp//ssh//OpenSSH 9.2p1/
 *
 * A port is `port/state/protocol/owner/service/rpc/version/`; as nmap does,
 * a `/` inside a field is written `|`. Fields go through forTerminal, which
 * also keeps tabs and line breaks from splitting a line. The comment lines
 * say wasmap, not Nmap. Scripts are not shown (nmap shows none here either).
 */
import type { ScanEvent } from '../model/event.js';
import type { ScanSummary } from './summary.js';
import { collectScan, type NmapHost } from './nmap-hosts.js';
import { doneText, initiatedLine, runStats, type NmapRun } from './nmap-run.js';
import { versionText } from './nmap-service.js';
import { forTerminal } from './terminal-text.js';

const field = (s: string): string => forTerminal(s).replace(/\//g, '|');

export function nmapGrepHead(run: NmapRun, start: number): string {
  return `# ${forTerminal(initiatedLine(run, start))}\n`;
}

function hostLines(h: NmapHost): string {
  const host = `Host: ${h.ip} (${field(h.hostnames[0] ?? '')})`;
  let out = `${host}\tStatus: Up\n`;
  if (h.ports.length > 0) {
    const ports = h.ports.map((p) => `${p.port}/${field(p.state)}/${p.protocol}//${field(p.service?.name ?? '')}//${field(versionText(p.service))}/`);
    out += `${host}\tPorts: ${ports.join(', ')}\n`;
  }
  return out;
}

export function nmapGrepBody(events: readonly ScanEvent[], summary: ScanSummary | undefined, start: number): string {
  const scan = collectScan(events);
  return scan.hosts.map(hostLines).join('') + `# ${forTerminal(doneText(runStats(summary, start, scan.hosts.length), ' --'))}\n`;
}
