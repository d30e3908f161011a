// Issue #12 item 1: the CLI and the library run one Scanner, so the same scan
// through either gives the same events (timestamps, job ids and round-trip
// times aside) and the same summary. Loopback only: servers this test starts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { scan, type ScanOptions, type ScanSummary } from '../src/index.js';
import { toJson } from '../src/report/encode.js';
import { listen, closedPort, type Listener } from './support/listeners.js';
import { runCli, parseJsonl } from './support/cli.js';

interface EventJson {
  origin: { job_id: string; type: string } & Record<string, unknown>;
  result: { data?: Record<string, unknown>; sandbox?: Record<string, unknown> } & Record<string, unknown>;
}

/** An event without what differs between two runs of the same scan (times, job id). */
function stable(ev: EventJson): string {
  const { ts: _ts, job_id: _job, ...origin } = ev.origin;
  const { rtt_ms: _rtt, ...data } = ev.result.data ?? {};
  const result: EventJson['result'] = { ...ev.result, data };
  if (result.sandbox) result.sandbox = { ...result.sandbox, duration_ms: 0 };
  return JSON.stringify({ ...ev, origin, result });
}

async function viaLibrary(opts: ScanOptions): Promise<{ events: string[]; jobIds: Set<string>; summary: ScanSummary }> {
  const events: EventJson[] = [];
  const it = scan(['127.0.0.1'], opts);
  for (;;) {
    const next = await it.next();
    // the CLI's JSON for the same event (bytes as the writers encode them)
    if (!next.done) events.push(JSON.parse(toJson(next.value)) as EventJson);
    else return { events: events.map(stable).sort(), jobIds: new Set(events.map((e) => e.origin.job_id)), summary: next.value };
  }
}

async function viaCli(args: string[]): Promise<{ events: string[]; jobIds: Set<string>; line: string }> {
  const r = await runCli(['scan', '127.0.0.1', '-f', 'jsonl', ...args]);
  expect(r.code, r.stderr).toBe(0);
  const events = parseJsonl(r.stdout) as EventJson[];
  const line = r.stderr.split('\n').find((l) => /ports probed/.test(l)) ?? '';
  return { events: events.map(stable).sort(), jobIds: new Set(events.map((e) => e.origin.job_id)), line };
}

/** The counts of the CLI's summary line, as the library's summary has them. */
function counts(line: string): Record<string, number> {
  const m = /^wasmap: (\d+) hosts?(?: \((\d+) up\))?, ([\d,]+) ports probed, (\d+) open,/.exec(line);
  expect(m, line).not.toBeNull();
  return { hosts: Number(m![1]), ...(m![2] !== undefined ? { hosts_up: Number(m![2]) } : {}), ports_probed: Number(m![3]!.replace(/,/g, '')), open: Number(m![4]) };
}

describe('the CLI and the library run the same scan', () => {
  let banner: Listener;
  let silent: Listener;
  let closed: number;
  beforeAll(async () => {
    banner = await listen('127.0.0.1', { greet: 'SSH-2.0-OpenSSH_9.6\r\n' });
    silent = await listen('127.0.0.1');
    closed = await closedPort();
  });
  afterAll(async () => {
    await banner.close();
    await silent.close();
  });

  it('the ports profile with discovery, banners and every state: same events, same summary', async () => {
    const ports = `${banner.port},${silent.port},${closed}`;
    const lib = await viaLibrary({ profile: 'ports', ports, banner: true, states: ['open', 'closed'], seed: '12' });
    const cli = await viaCli(['--profile', 'ports', '-p', ports, '--banner', '--states', 'open,closed', '--seed', '12']);
    expect(lib.events).toHaveLength(4); // three port states and one banner
    expect(cli.events).toEqual(lib.events);
    expect(lib.jobIds.size).toBe(1);
    expect(cli.jobIds.size).toBe(1);
    expect(counts(cli.line)).toEqual({ hosts: lib.summary.hosts, hosts_up: lib.summary.hosts_up, ports_probed: lib.summary.ports_probed, open: lib.summary.open });
    expect(lib.summary).toMatchObject({ hosts: 1, hosts_up: 1, open: 2, events: 4 });
    expect(lib.summary.plugins).toBeUndefined();
  });

  it('the default profile (bundled plugins) without discovery: same events, same summary', async () => {
    const ports = `${banner.port},${closed}`;
    const lib = await viaLibrary({ ports, skipDiscovery: true });
    const cli = await viaCli(['-p', ports, '-Pn']);
    expect(lib.events.length).toBeGreaterThan(1);
    expect(lib.events.some((e) => JSON.parse(e).origin.type === 'service-simple')).toBe(true);
    expect(cli.events).toEqual(lib.events);
    expect(counts(cli.line)).toEqual({ hosts: lib.summary.hosts, ports_probed: lib.summary.ports_probed, open: lib.summary.open });
    expect(lib.summary).toMatchObject({ hosts: 1, ports_probed: 2, open: 1, events: lib.events.length });
    expect(lib.summary.plugins?.run).toBeGreaterThan(0);
    expect(lib.summary.plugins?.failed).toBe(0);
  });
});
