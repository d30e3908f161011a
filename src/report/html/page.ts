/**
 * The report as one self-contained HTML page: styles and script inline,
 * screenshots as data: URLs, nothing else. Its Content-Security-Policy
 * forbids every fetch (default-src 'none') and runs only our own style and
 * script (by sha256), so even markup that slipped past `esc` could neither
 * run nor call out. Every value from the scan goes through `esc`.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES } from '../../model/event.js';
import { toJson } from '../encode.js';
import { serviceText } from '../table.js';
import { esc } from './escape.js';
import type { FindingView, HostView, PortView, ReportModel, ResultView } from './model.js';
import { SCRIPT } from './script.js';
import { STYLES } from './styles.js';

/** most severe first, as findings are listed */
const SEVERITY_OPTIONS = [...SEVERITIES].reverse();
/** how much of one result's data the page shows as JSON */
const MAX_DATA_CHARS = 64 * 1024;

const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
const time = (ts: number | undefined): string => (ts === undefined ? '' : new Date(ts).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
const badge = (severity: string): string => `<span class="badge sev-${esc(severity)}">${esc(severity)}</span>`;

function facts(m: ReportModel): string {
  const s = m.summary;
  const rows: [string, string][] = [];
  if (m.firstTs !== undefined) rows.push(['Scan time', `${time(m.firstTs)} – ${time(m.lastTs)}`]);
  if (s) rows.push(['Elapsed', `${(s.elapsed_ms / 1000).toFixed(2)} s, ${Math.round(s.rate).toLocaleString('en-US')} probes/s`]);
  if (m.meta.profile) rows.push(['Profile', esc(m.meta.profile)]);
  const jobId = s?.job_id || m.jobId;
  if (jobId) rows.push(['Job', `<span class="mono">${esc(jobId)}</span>`]);
  const hosts = s ? `${s.hosts}${s.hosts_up !== undefined ? ` (${s.hosts_up} up)` : ''}` : String(m.hosts.length);
  rows.push(['Hosts', hosts]);
  rows.push(['Ports', s ? `${s.ports_probed.toLocaleString('en-US')} probed, ${s.open} open` : `${m.openPorts} open`]);
  if (s) rows.push(['Events', String(s.events)]);
  if (s?.plugins) rows.push(['Plugin runs', `${s.plugins.run} plugins, ${s.plugins.invocations} invocations, ${s.plugins.failed} failed`]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function pluginTable(m: ReportModel): string {
  if (m.plugins.length === 0) return '';
  const row = (p: ReportModel['plugins'][number]): string =>
    `<tr><td class="mono">${esc(p.name)}</td><td>${esc(p.version ?? '')}</td><td>${esc(p.kind ?? '')}</td><td class="mono">${esc(p.sha256 ?? '')}</td></tr>`;
  return `<details><summary>Plugins (${m.plugins.length})</summary><table class="plugins"><tr><th>Plugin</th><th>Version</th><th>Kind</th><th>sha256</th></tr>${m.plugins.map(row).join('')}</table></details>`;
}

function header(m: ReportModel): string {
  const interrupted = m.summary?.interrupted ? `<p class="interrupted" id="interrupted">Interrupted by ${esc(m.summary.interrupted)}: partial results</p>` : '';
  const counts = SEVERITY_OPTIONS.map((s) => `<span>${badge(s)} ${m.severityCounts[s] ?? 0}</span>`).join('');
  return `<header><h1>wasmap scan report</h1>${interrupted}${facts(m)}<div class="counts" id="severity-counts">${counts}</div>${pluginTable(m)}</header>`;
}

function filters(m: ReportModel): string {
  const option = (v: string, label = v): string => `<option value="${esc(v)}">${esc(label)}</option>`;
  const services = [...new Set(m.hosts.flatMap((h) => h.ports.map((p) => p.service?.name ?? '')).filter(Boolean))].sort();
  return (
    `<nav aria-label="filters">` +
    `<label>Severity <select id="f-severity">${option('', 'any')}${SEVERITY_OPTIONS.map((s) => option(s)).join('')}</select></label>` +
    `<label>Service <select id="f-service">${option('', 'any')}${services.map((s) => option(s)).join('')}</select></label>` +
    `<label>Host <select id="f-host">${option('', 'any')}${m.hosts.map((h) => option(h.ip, h.hostname ? `${h.ip} (${h.hostname})` : h.ip)).join('')}</select></label>` +
    `<label>Search <input id="f-search" type="search" placeholder="text in a row"></label>` +
    `<span id="f-count"></span></nav>`
  );
}

function dataJson(data: Record<string, unknown>): string {
  if (Object.keys(data).length === 0) return '';
  const json = toJson(data, 2);
  const shown = json.length > MAX_DATA_CHARS ? `${json.slice(0, MAX_DATA_CHARS)}\n… (${json.length - MAX_DATA_CHARS} more characters in the JSONL)` : json;
  return `<pre class="data">${esc(shown)}</pre>`;
}

function result(r: ResultView): string {
  const status = r.status && r.status !== 'success' ? ` <span class="status-error">[${esc(r.status)}]</span>` : '';
  const line = r.error ? `<span class="error">error: ${esc(r.error)}</span>` : r.summary ? esc(r.summary) : r.service ? esc(serviceText(r.service)) : '';
  const images = r.images.map((src, i) => `<img class="shot" alt="${esc(`${r.plugin} screenshot ${i + 1}`)}" src="${esc(src)}">`).join('');
  const body = images + dataJson(r.data);
  const head = `<span class="mono">${esc(r.plugin)}</span>${status}${line ? `: ${line}` : ''}`;
  return `<li class="result" data-plugin="${esc(r.plugin)}">${body ? `<details${r.images.length ? ' open' : ''}><summary>${head}</summary>${body}</details>` : head}</li>`;
}

function finding(f: FindingView): string {
  const evidence = f.evidence ? `<span class="evidence">${esc(f.evidence)}</span>` : '';
  return `<li class="finding" data-severity="${esc(f.severity)}">${badge(f.severity)} ${esc(f.title)} <code>${esc(f.id)}</code> <span class="muted">(${esc(f.plugin)})</span>${evidence}</li>`;
}

function port(p: PortView): string {
  const where = p.port > 0 ? `${p.port}/${esc(p.protocol)}` : 'host';
  const state = p.port > 0 ? `<span class="state-${esc(p.state)}">${esc(p.state || '-')}</span> <span class="muted">${esc(p.reason)}${p.rtt_ms !== undefined ? `, ${p.rtt_ms.toFixed(1)} ms` : ''}</span>` : '';
  const service = p.service ? `<span class="service">${esc(serviceText(p.service))}</span>` : p.unknown ? '<span class="service muted">unknown</span>' : '';
  const banner = p.banner && !p.service ? `<pre class="banner">${esc(p.banner)}</pre>` : '';
  const results = p.results.length ? `<ul class="results">${p.results.map(result).join('')}</ul>` : '';
  const findings = p.findings.length ? `<ul class="findings">${p.findings.map(finding).join('')}</ul>` : '';
  return (
    `<article class="port" data-port="${p.port}" data-service="${esc(p.service?.name ?? '')}">` +
    `<div class="head"><span class="where mono">${where}</span>${state}${service}</div>${banner}${results}${findings}</article>`
  );
}

function host(h: HostView): string {
  const name = h.hostname ? ` <span class="hostname">(${esc(h.hostname)})</span>` : '';
  return `<section class="host" data-host="${esc(h.ip)}" data-name="${esc(`${h.ip} ${h.hostname ?? ''}`)}"><h2>${esc(h.ip)}${name}</h2>${h.ports.map(port).join('')}</section>`;
}

function errors(m: ReportModel): string {
  if (m.errors.length === 0) return '';
  return `<section class="errors"><h2>Errors</h2><ul>${m.errors.map((e) => `<li class="error"><span class="mono">${esc(e.source)}</span>: ${esc(e.message)}</li>`).join('')}</ul></section>`;
}

export function renderPage(m: ReportModel): string {
  const csp = `default-src 'none'; img-src data:; style-src ${sha256(STYLES)}; script-src ${sha256(SCRIPT)}; base-uri 'none'; form-action 'none'`;
  const title = `wasmap report${m.firstTs !== undefined ? ` ${time(m.firstTs)}` : ''}`;
  const body = m.hosts.length ? m.hosts.map(host).join('') : '';
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(title)}</title><style>${STYLES}</style></head>\n<body>` +
    header(m) +
    errors(m) +
    filters(m) +
    `<main>${body}<p id="empty" hidden>${m.hosts.length ? 'Nothing matches the filters.' : 'No open ports found.'}</p></main>` +
    `<script>${SCRIPT}</script></body></html>\n`
  );
}
