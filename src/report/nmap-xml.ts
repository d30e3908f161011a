/**
 * nmap's XML output (`-oX`), valid against nmap's own DTD
 * (/usr/share/nmap/nmap.dtd, xmloutputversion 1.05), so that ndiff,
 * python-libnmap, nmap.xsl, Metasploit's db_import and the like read it.
 *
 * How wasmap says it wrote the file: the DTD allows only `scanner="nmap"`,
 * so that attribute cannot; everything else that names the program does.
 * `version` is `wasmap X.Y.Z` (ndiff prints "Nmap wasmap 0.1.0 scan
 * initiated …", nmap.xsl "Nmap wasmap 0.1.0 was initiated …": never a
 * version of nmap that did not run), `args` is wasmap's own command line
 * (`wasmap scan …`), and a comment before `<nmaprun>` says so in words.
 *
 * Plugin results: one `<script id="wasmap">` per port (and one in
 * `<hostscript>`), whose `output` is each plugin's `id: text` and whose
 * structure is a `<table key="PLUGIN">` per plugin (nmap-script.ts says how
 * a plugin's data maps to `<elem>`/`<table>`). Not one `<script
 * id="PLUGIN">` each, as NSE would: the ndiff of nmap 7.93-7.95 (Debian 12's)
 * sorts a port's scripts with a class that cannot be compared and dies with
 * a traceback on any port or host with two of them, nmap's own -sC output
 * included (nmap/nmap#2930); with one per port, ndiff compares wasmap's
 * files. The normal output still shows one `|` block per plugin. The same
 * ndiff also dies when a port's script output changed while its columns did
 * not (`list > int`; `ndiff -v` and `ndiff --xml` are spared), so text that
 * changes on every run (a banner's Date: header) is kept out of `output`
 * and only in the structure: two scans of unchanged services diff cleanly.
 *
 * The header goes out at once; hosts are written at close (their ports and
 * plugin results arrive interleaved with other hosts'), and close always
 * ends the document: an interrupted or failed scan gets `<finished
 * exit="error" errormsg="…">` and still validates.
 */
import type { ScanEvent } from '../model/event.js';
import type { ScanSummary } from './summary.js';
import { collectScan, hostReason, type NmapHost, type NmapPort } from './nmap-hosts.js';
import { doneText, nmapDate, portRanges, runStats, WASMAP_VERSION, type NmapRun } from './nmap-run.js';
import type { NmapScript, NseNode } from './nmap-script.js';
import { xmlAttrs, xmlComment, xmlText } from './xml-text.js';

/** The prologue up to `<debugging>`: written as soon as the writer opens. */
export function nmapXmlHead(run: NmapRun, start: number): string {
  const args = run.args ?? 'wasmap';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE nmaprun>',
    '<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>',
    xmlComment(`wasmap ${WASMAP_VERSION} scan initiated ${nmapDate(start)} as: ${args} (nmap's XML format, written by wasmap: nmap did not run)`),
    `<nmaprun${xmlAttrs({ scanner: 'nmap', args, start: Math.floor(start / 1000), startstr: nmapDate(start), version: `wasmap ${WASMAP_VERSION}`, xmloutputversion: '1.05' })}>`,
  ];
  if (run.ports?.tcp.length) lines.push(`<scaninfo${xmlAttrs({ type: 'connect', protocol: 'tcp', numservices: new Set(run.ports.tcp).size, services: portRanges(run.ports.tcp) })}/>`);
  if (run.ports?.udp.length) lines.push(`<scaninfo${xmlAttrs({ type: 'udp', protocol: 'udp', numservices: new Set(run.ports.udp).size, services: portRanges(run.ports.udp) })}/>`);
  lines.push(`<verbose level="${run.verbose ? 1 : 0}"/>`, '<debugging level="0"/>');
  return lines.join('\n') + '\n';
}

function nodeXml(n: NseNode): string {
  const key = xmlAttrs({ key: n.key });
  return 'value' in n ? `<elem${key}>${xmlText(n.value)}</elem>\n` : `<table${key}>\n${n.children.map(nodeXml).join('')}</table>\n`;
}

function scriptXml(s: NmapScript): string {
  const open = `<script${xmlAttrs({ id: s.id, output: s.output })}`;
  return s.nodes.length === 0 ? `${open}/>` : `${open}>${s.nodes.map(nodeXml).join('')}</script>`;
}

/** A port's or host's results as the one script ndiff can read (see above). */
function oneScript(scripts: readonly NmapScript[]): string {
  if (scripts.length === 0) return '';
  const shown = scripts.filter((x) => !x.volatile).map((x) => `${x.id}: ${x.output}`);
  const output = shown.length <= 1 ? (shown[0] ?? '') : `\n${shown.map((t) => t.replace(/^/gm, '  ')).join('\n')}`;
  const nodes: NseNode[] = scripts.map((x) => (x.nodes.length > 0 ? { key: x.id, children: x.nodes } : { key: x.id, value: x.output }));
  return scriptXml({ id: 'wasmap', output, nodes });
}

function portXml(p: NmapPort): string {
  const s = p.service;
  const service = s
    ? `<service${xmlAttrs({ name: s.name, product: s.product, version: s.version, extrainfo: s.extrainfo, hostname: s.hostname, ostype: s.ostype, devicetype: s.devicetype, method: s.method, conf: s.conf })}` +
      (s.cpe.length ? `>${s.cpe.map((c) => `<cpe>${xmlText(c)}</cpe>`).join('')}</service>` : '/>')
    : '';
  return `<port${xmlAttrs({ protocol: p.protocol, portid: p.port })}><state${xmlAttrs({ state: p.state, reason: p.reason, reason_ttl: 0 })}/>${service}${oneScript(p.scripts)}</port>\n`;
}

function hostXml(h: NmapHost): string {
  let out = `<host${xmlAttrs({ starttime: Math.floor(h.start / 1000), endtime: Math.floor(h.end / 1000) })}><status${xmlAttrs({ state: 'up', reason: hostReason(h), reason_ttl: 0 })}/>\n`;
  out += `<address${xmlAttrs({ addr: h.ip, addrtype: h.ip.includes(':') ? 'ipv6' : 'ipv4' })}/>\n`;
  // `user`: the name the user gave (wasmap does no reverse lookups, so never PTR)
  out += `<hostnames>\n${h.hostnames.map((n) => `<hostname${xmlAttrs({ name: n, type: 'user' })}/>\n`).join('')}</hostnames>\n`;
  out += `<ports>${h.ports.map(portXml).join('')}</ports>\n`;
  if (h.scripts.length > 0) out += `<hostscript>${oneScript(h.scripts)}</hostscript>\n`;
  return out + '</host>\n';
}

/** Everything after the head: hosts, error events, runstats, the end of the document. */
export function nmapXmlBody(events: readonly ScanEvent[], summary: ScanSummary | undefined, start: number): string {
  const scan = collectScan(events);
  const stats = runStats(summary, start, scan.hosts.length);
  let out = scan.hosts.map(hostXml).join('');
  if (scan.errors.length > 0) out += `<postscript>${oneScript(scan.errors)}</postscript>\n`;
  const finished = {
    time: Math.floor(stats.end / 1000),
    timestr: nmapDate(stats.end),
    summary: doneText(stats, ';'),
    elapsed: stats.elapsed,
    exit: stats.stopped ? 'error' : 'success',
    errormsg: stats.stopped,
  };
  out += `<runstats><finished${xmlAttrs(finished)}/><hosts${xmlAttrs({ up: stats.up, down: Math.max(0, stats.total - stats.up), total: stats.total })}/>\n</runstats>\n</nmaprun>\n`;
  return out;
}
