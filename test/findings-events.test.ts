/**
 * Findings as events of their own: a real scan of redis (HIGH: no auth) and
 * https (MEDIUM: self-signed) gives one `finding` event per finding its
 * plugins and the misconfig evaluator reported, on the finding's own port;
 * `--severity high` keeps only the high ones (events and results alike);
 * CSV has severity and finding_id columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl, runCli } from './support/cli.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';

let ports: string;

beforeAll(async () => {
  const svcs = (await startServices(['redis', 'https'])) as { port: number }[];
  ports = svcs.map((s) => s.port).join(',');
}, 300_000);

afterAll(async () => {
  await stopServices(['redis', 'https']);
});

interface Ev {
  origin: { type: string; module: string };
  target: { ip: string; port: number };
  result: { data: Record<string, unknown>; findings?: { id: string; severity?: string; port?: number }[] };
}

describe('finding events', () => {
  it('one per finding, on its own port, with severity, id, title and plugin; --severity keeps only what was asked', async () => {
    const all = await runCli(['scan', '127.0.0.1', '-p', ports, '--skip-discovery', '-f', 'jsonl', '-q']);
    expect(all.code, all.stderr).toBe(0);
    const events = parseJsonl(all.stdout) as Ev[];
    const findings = events.filter((e) => e.origin.type === 'finding');
    // every finding inside a result has exactly one event, and no event comes from nowhere
    const inResults = events.filter((e) => e.origin.type !== 'finding').flatMap((e) => (e.result.findings ?? []).map((f) => `${e.origin.type}/${f.id}/${f.port && f.port > 0 ? f.port : e.target.port}`));
    expect(findings.map((f) => `${String(f.result.data.plugin)}/${String(f.result.data.id)}/${f.target.port}`).sort()).toEqual(inResults.sort());
    const severities = new Set(findings.map((f) => f.result.data.severity));
    expect(severities.has('high')).toBe(true);
    expect(severities.has('medium')).toBe(true);
    const noAuth = findings.find((f) => f.result.data.plugin === 'misconfig' && f.result.data.id === 'redis-no-auth');
    expect(noAuth?.target.port, JSON.stringify(findings)).toBe(Number(ports.split(',')[0]));
    expect(typeof noAuth?.result.data.title).toBe('string');

    const high = await runCli(['scan', '127.0.0.1', '-p', ports, '--skip-discovery', '-f', 'jsonl', '-q', '--severity', 'high']);
    expect(high.code, high.stderr).toBe(0);
    const hv = parseJsonl(high.stdout) as Ev[];
    const hf = hv.filter((e) => e.origin.type === 'finding');
    expect(hf.length).toBeGreaterThan(0);
    expect(hf.every((f) => f.result.data.severity === 'high')).toBe(true);
    expect(hv.flatMap((e) => e.result.findings ?? []).every((f) => f.severity === 'high')).toBe(true);
    // the rest of the scan is untouched: the same open ports
    const open = (evs: Ev[]) => evs.filter((e) => e.origin.type === 'portscan').map((e) => e.target.port).sort();
    expect(open(hv)).toEqual(open(events));

    const csv = await runCli(['scan', '127.0.0.1', '-p', ports, '--skip-discovery', '-f', 'csv', '-q', '--severity', 'high,medium']);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe('ts,type,module,ip,hostname,port,protocol,state,reason,severity,finding_id,data');
    const findingRows = rows.filter((r) => r.split(',')[1] === 'finding');
    expect(findingRows.length).toBeGreaterThan(0);
    for (const r of findingRows) expect(r.split(',')[9]).toMatch(/^(high|medium)$/);
    expect(findingRows.some((r) => r.split(',')[10] === 'redis-no-auth')).toBe(true);
  });

  it('refuses an unknown severity with one line and exit 2', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', '1', '--severity', 'severe']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("wasmap: error: --severity takes info, low, medium, high, critical, got 'severe'");
  });
});
