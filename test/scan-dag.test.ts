import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dgram from 'node:dgram';
import { runCli, parseJsonl } from './support/cli.js';
import { listen, closedPort, type Listener } from './support/listeners.js';

/** An event without what differs between two runs of the same scan (time, job, rtt). */
function normal(e: any): string {
  const { ts: _ts, job_id: _job, ...origin } = e.origin;
  const { rtt_ms: _rtt, ...data } = e.result.data;
  return JSON.stringify({ origin, target: e.target, result: { ...e.result, data } });
}

describe('wasmap scan is a DAG on the module engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-dag-'));
  let greeter: Listener;
  let silent: Listener;
  let closed: number;

  beforeAll(async () => {
    greeter = await listen('127.0.0.1', { greet: 'SSH-2.0-Test_1.0\r\n' });
    silent = await listen('127.0.0.1');
    closed = await closedPort();
  });
  afterAll(async () => {
    await greeter.close();
    await silent.close();
  });

  it('gives the same events from a YAML DAG of built-in modules as from the equivalent scan flags', async () => {
    const ports = `${greeter.port},${silent.port},${closed}`;
    const yaml = join(dir, 'equivalent.yaml');
    writeFileSync(yaml, [
      'name: equivalent',
      'nodes:',
      '  - id: targets',
      '    module: target_expansion',
      `    config: { targets: ["127.0.0.1"], ports: "${ports}" }`,
      '  - id: discovery',
      '    module: tcp_probe_discovery',
      '  - id: tcp',
      '    module: connect_scanner',
      '    config: { states: [open, closed] }',
      '  - id: banners',
      '    module: banner_grabber',
      '',
    ].join('\n'));
    const viaDag = await runCli(['dag', 'run', yaml, '-f', 'jsonl', '-q']);
    const viaScan = await runCli(['scan', '127.0.0.1', '--profile', 'ports', '-p', ports, '--states', 'open,closed', '--banner', '-f', 'jsonl', '-q']);
    expect(viaDag.code, viaDag.stderr).toBe(0);
    expect(viaScan.code, viaScan.stderr).toBe(0);
    const a = parseJsonl(viaDag.stdout).map(normal).sort();
    const b = parseJsonl(viaScan.stdout).map(normal).sort();
    expect(a.length).toBe(4); // 2 open + 1 closed + 1 banner
    expect(a).toEqual(b);
  });

  it('exports its default DAG, and every bundled DAG validates', async () => {
    const exported = await runCli(['dag', 'export', 'default']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(readFileSync(new URL('../dags/default.yaml', import.meta.url), 'utf8'));
    for (const name of ['default', 'ports', 'quick', 'deep']) {
      const v = await runCli(['dag', 'validate', name]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
  });

  it('selects a bundled profile with --profile', async () => {
    const r = await runCli(['scan', '127.0.0.1', '--profile', 'quick', '--states', 'all', '-Pn', '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    expect(parseJsonl(r.stdout).filter((e) => e.origin.type === 'portscan')).toHaveLength(100);
    const bad = await runCli(['scan', '127.0.0.1', '--profile', 'nosuch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^wasmap: error: unknown profile 'nosuch'/);
  });

  it('grabs banners while a large port scan is still running (streaming between nodes)', async () => {
    // 12,000 probes at 4,000/s take ~3 s; every probe is reported, so the
    // output's order shows whether banners came before the scan ended. With
    // 20 greeters at random places in the probe order, the first is found early.
    const greeters = await Promise.all(Array.from({ length: 20 }, () => listen('127.0.0.1', { greet: 'HELLO\r\n' })));
    try {
      const ports = `1-12000,${greeters.map((g) => g.port).join(',')}`;
      const r = await runCli(['scan', '127.0.0.1', '-p', ports, '--rate', '4000', '-Pn', '--states', 'all', '--banner', '-f', 'jsonl', '-q']);
      expect(r.code).toBe(0);
      const events = parseJsonl(r.stdout);
      const banner = events.findIndex((e) => e.origin.type === 'banner' && greeters.some((g) => g.port === e.target.port));
      const lastPort = events.map((e) => e.origin.type).lastIndexOf('portscan');
      expect(banner).toBeGreaterThan(-1);
      expect(lastPort - banner).toBeGreaterThan(1000); // well before the end, not a race at the finish
      const greeterPorts = new Set(greeters.map((g) => g.port));
      expect(events.filter((e) => e.origin.type === 'banner' && greeterPorts.has(e.target.port))).toHaveLength(20);
    } finally {
      await Promise.all(greeters.map((g) => g.close()));
    }
  });

  it('scans UDP ports given as U: with the udp_scanner node', async () => {
    const answering = dgram.createSocket('udp4');
    answering.on('message', (_m, from) => answering.send('pong', from.port, from.address));
    const mute = dgram.createSocket('udp4');
    await new Promise<void>((r) => answering.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => mute.bind(0, '127.0.0.1', () => r()));
    const ap = answering.address().port;
    const mp = mute.address().port;
    try {
      const r = await runCli(['scan', '127.0.0.1', '-p', `U:${ap},${mp},${closed}`, '--states', 'all', '--timeout', '300', '--retries', '0', '-Pn', '-f', 'jsonl', '-q']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const byPort = new Map(parseJsonl(r.stdout).map((e) => [e.target.port, e]));
      expect(byPort.get(ap)?.result.data.state).toEqual({ state: 'open', reason: 'udp-response' });
      expect(byPort.get(ap)?.target.protocol).toBe('udp');
      expect(Buffer.from(byPort.get(ap)?.result.data.response, 'base64').toString()).toBe('pong');
      expect(byPort.get(mp)?.result.data.state).toEqual({ state: 'open|filtered', reason: 'no-response' });
      expect(byPort.get(closed)?.result.data.state).toEqual({ state: 'closed', reason: 'port-unreach' });
    } finally {
      answering.close();
      mute.close();
    }
  });

  it('lists and describes the built-in modules', async () => {
    const list = await runCli(['module', 'list']);
    expect(list.code).toBe(0);
    for (const m of ['target_expansion', 'tcp_probe_discovery', 'connect_scanner', 'udp_scanner', 'banner_grabber', 'file_reporter']) {
      expect(list.stdout).toMatch(new RegExp(`^${m}\\s`, 'm'));
    }
    const info = await runCli(['module', 'info', 'connect_scanner', '--json']);
    expect(info.code).toBe(0);
    const d = JSON.parse(info.stdout);
    expect(d.requires).toEqual(['targets', 'scan_ports']);
    expect(d.provides).toEqual(['port_results', 'open_ports']);
    expect(d.config.timeout_ms).toMatchObject({ type: 'int', default: 1000 });
    const unknown = await runCli(['module', 'info', 'nope']);
    expect(unknown.code).toBe(2);
  });

  it('writes a file from a file_reporter node and prints per-node counts and times', async () => {
    const out = join(dir, 'report.csv');
    const yaml = join(dir, 'report.yaml');
    writeFileSync(yaml, [
      'name: report',
      'nodes:',
      '  - id: targets',
      '    module: target_expansion',
      `    config: { targets: ["127.0.0.1"], ports: "${greeter.port}" }`,
      '  - id: tcp',
      '    module: connect_scanner',
      '  - id: out',
      '    module: file_reporter',
      `    config: { path: "${out}" }`,
      '',
    ].join('\n'));
    const r = await runCli(['dag', 'run', yaml, '-f', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(new RegExp(`^ts,type,.*\\n\\d+,portscan,portscan,127\\.0\\.0\\.1,,${greeter.port},tcp,open,syn-ack,,,\\n$`));
    expect(r.stderr).toMatch(/tcp\s+connect_scanner\s+ok\s.*probes=1/);
    expect(r.stderr).toMatch(/out\s+file_reporter\s+ok\s.*written=1/);
  });
});
