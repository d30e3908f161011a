// Issue #11 item 6: -p, --top-ports and DAG config give each port once (the
// union: unlike nmap, which takes the N most common *within* -p), and a DAG
// exported from flags, or a bundled one run with --set, scans what the flags
// say. Real listeners on 127.0.0.1 only.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergePortSets, scanPortsOf, topPorts } from '../src/targets/ports.js';
import { TOP_TCP_PORTS } from '../src/targets/top-ports-table.js';
import { applyScanSettings, loadProfile, type ScanSettings } from '../src/modules/builtin/scan-dag.js';
import { exportDag } from '../src/engine/dag-export.js';
import { loadDag } from '../src/engine/dag-load.js';
import { runCli, parseJsonl } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';

/**
 * A listener on a free port that is also one of the 1000 most common, so -p
 * and --top-ports overlap: one past the first hundred of the table, where a
 * port follows larger ones (as 18080 does in the report).
 */
async function listenOnTopPort(): Promise<Listener> {
  for (const p of TOP_TCP_PORTS.slice(100).filter((p) => p > 1024 && p < 32768)) {
    try {
      return await listen('127.0.0.1', 'silent', p);
    } catch {
      // taken: try the next one
    }
  }
  throw new Error('no free port among the top 1000');
}

const summaryProbes = (stderr: string): number => Number(/ ([\d,]+) ports probed/.exec(stderr)?.[1]?.replace(/,/g, '') ?? NaN);

describe('port lists are a union, each port once', () => {
  it('merges lists in any order into one sorted list without repeats', () => {
    expect(mergePortSets({ tcp: [443, 22, 80], udp: [] }, { tcp: [80, 8080, 22], udp: [161, 53, 53] })).toEqual({ tcp: [22, 80, 443, 8080], udp: [53, 161] });
    const both = scanPortsOf({ ports: '18080,1-3', topPorts: 1000 });
    expect(both.tcp).toHaveLength(new Set([18080, 1, 2, 3, ...topPorts(1000)]).size);
    expect(both.tcp.filter((p) => p === 18080)).toHaveLength(1);
    expect(both.tcp).toEqual([...both.tcp].sort((a, b) => a - b));
  });

  it('uses the default top ports only when neither ports nor top_ports is given', () => {
    expect(scanPortsOf({ defaultTopPorts: 100 }).tcp).toHaveLength(100);
    expect(scanPortsOf({ ports: '80', defaultTopPorts: 100 })).toEqual({ tcp: [80], udp: [] });
    expect(scanPortsOf({ topPorts: 5, defaultTopPorts: 100 }).tcp).toHaveLength(5);
    // UDP only: no TCP ports at all, and 53 (also among the top UDP ports) once
    expect(scanPortsOf({ ports: 'U:53', topUdpPorts: 3, defaultTopPorts: 100 })).toEqual({ tcp: [], udp: [...new Set([53, ...topPorts(3, 'udp')])].sort((a, b) => a - b) });
  });

  it('exports a DAG from flags that reproduces them', async () => {
    const flags: ScanSettings = { targets: ['127.0.0.1'], exclude: [], ports: '22,8080', topPorts: 10, hasUdpPorts: false, skipDiscovery: true, seed: '1', banner: false };
    for (const profile of ['default', 'ports', 'quick']) {
      const dag = applyScanSettings(await loadProfile(profile), flags);
      const back = loadDag(exportDag(dag), 'exported.yaml').dag!;
      const config = back.nodes.find((n) => n.module === 'target_expansion')!.config;
      const ports = scanPortsOf({ ports: config.ports as string, topPorts: config.top_ports as number, defaultTopPorts: config.default_top_ports as number });
      expect(ports, profile).toEqual(scanPortsOf({ ports: '22,8080', topPorts: 10 }));
    }
  });
});

describe('a scan probes and reports each port once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-dedup-'));
  let top: Listener;
  let other: Listener;
  beforeAll(async () => {
    top = await listenOnTopPort();
    other = await listen('127.0.0.1');
  });
  afterAll(async () => {
    await top.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with -p P --top-ports 1000 where P is among the 1000: one event, 1,000 probes', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', String(top.port), '--top-ports', '1000', '--profile', 'ports', '-Pn', '-f', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout).filter((e) => e.target.port === top.port)).toHaveLength(1);
    expect(summaryProbes(r.stderr)).toBe(1000);
  });

  it('with -p listing ports inside and outside the top 1000: each once', async () => {
    const inTop = TOP_TCP_PORTS.includes(other.port) ? 0 : 1;
    const r = await runCli(['scan', '127.0.0.1', '-p', `22,80,${top.port},${other.port}`, '--top-ports', '1000', '--profile', 'ports', '-Pn', '-f', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    // (other ports of this machine may be open too: only the listeners' are counted)
    const open = parseJsonl(r.stdout).map((e) => e.target.port);
    expect(open.filter((p) => p === top.port)).toHaveLength(1);
    expect(open.filter((p) => p === other.port)).toHaveLength(1);
    expect(summaryProbes(r.stderr)).toBe(1000 + inTop);
  });

  it('runs an exported bundled DAG with --set targets.ports=P on P alone', async () => {
    const exported = await runCli(['dag', 'export', 'ports']);
    expect(exported.code).toBe(0);
    const file = join(dir, 'ports.yaml');
    writeFileSync(file, exported.stdout);
    const r = await runCli(['dag', 'run', file, '--set', 'targets.targets=127.0.0.1', '--set', `targets.ports=${other.port}`, '-f', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout).map((e) => e.target.port)).toEqual([other.port]);
    // the summary table's counters: one port given, one probe sent by the connect scanner
    expect(r.stderr).toMatch(/^targets\s.*\bports=1\b/m);
    expect(r.stderr).toMatch(/^tcp\s.*\bprobes=1\b/m);
  });
});
