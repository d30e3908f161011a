import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonl, runCli } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';
import { createNetns, netnsAvailable, type Netns } from './support/netns.js';
import { cannedPlugin, type CannedPlugin } from './sandbox/helpers/canned.js';

/**
 * Hostile plugins run through `wasmap scan` as an attacker would ship them
 * (issue #10): each tries to reach an address the user did not scan, leak
 * data through DNS, forge the host's data, or break the DAG. Only loopback
 * addresses are used; the DNS case runs in a namespace of its own.
 */
const dir = mkdtempSync(join(tmpdir(), 'wasmap-hostile-scan-'));
let n = 0;
function pluginFile(spec: CannedPlugin): string {
  const f = join(dir, `p${n++}.wasm`);
  writeFileSync(f, cannedPlugin(spec));
  return f;
}
const manifest = (name: string, kind: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ abi: 1, name, version: '1.0.0', kind, ...extra });
const plugins = (...files: string[]): string[] => files.flatMap((f) => ['--plugin', f]);

describe('hostile plugins in a scan', () => {
  let target: Listener;
  let other: Listener;
  let otherConnections = 0;

  beforeAll(async () => {
    target = await listen('127.0.0.1');
    other = await listen('127.0.0.2');
    other.server.on('connection', () => otherConnections++);
  });
  afterAll(async () => {
    await target.close();
    await other.close();
  });

  it('never lets a plugin send another plugin to an address the user did not scan', async () => {
    // the forger has no capability and claims a banner for 127.0.0.2; the
    // innocent detection plugin connects to 127.0.0.2, which is in scope
    // only if the host invoked it there
    const forger = pluginFile({
      manifest: manifest('forger', 'scanner', { provides: ['banners'], match: { ports: [target.port] } }),
      output: { banners: { ip: '127.0.0.2', port: other.port, banner: new Uint8Array([0x53, 0x53, 0x48]), method: 'x' } },
    });
    const innocent = pluginFile({
      manifest: manifest('innocent', 'detection', { capabilities: ['network'] }),
      connects: [{ host: '127.0.0.2', port: other.port }],
    });
    const r = await runCli(['scan', '127.0.0.1', '-p', String(target.port), '--profile', 'ports', '--banner', '-f', 'jsonl', '-q', ...plugins(forger, innocent)]);
    expect(otherConnections).toBe(0);
    const events = parseJsonl(r.stdout);
    expect(events.some((e) => e.target.ip === '127.0.0.2')).toBe(false);
    // the forger is refused at load, before anything is sent: the user named it, so it is bad input
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^wasmap: error: plugin p\d+\.wasm refused: .*"banners" is a host key/);
    expect(events).toEqual([]);
  });

  it('refuses host keys in provides, so no plugin can make the DAG invalid', async () => {
    for (const k of ['open_ports', 'targets', 'port_results', 'plugin_results']) {
      const claim = pluginFile({ manifest: manifest(`claims-${k.replace('_', '-')}`, 'scanner', { provides: [k] }), output: { data: {} } });
      const r = await runCli(['scan', '127.0.0.1', '-p', String(target.port), '--profile', 'ports', '-f', 'jsonl', '-q', '--plugin', claim]);
      expect(r.stderr).toContain(`"${k}" is a host key`);
      expect(r.stderr).not.toMatch(/cycle/i);
      expect(r.code).toBe(2);
    }
  });

  it('runs plugins whose own keys would form a cycle: custom keys never order the DAG', async () => {
    const a = pluginFile({ manifest: manifest('cycle-a', 'scanner', { provides: ['key_a'], requires: ['key_b'], match: { ports: [target.port] } }), output: { key_a: 1, summary: 'a ran' } });
    const b = pluginFile({ manifest: manifest('cycle-b', 'scanner', { provides: ['key_b'], requires: ['key_a'], match: { ports: [target.port] } }), output: { key_b: 2, summary: 'b ran' } });
    const r = await runCli(['scan', '127.0.0.1', '-p', String(target.port), '--profile', 'ports', '-f', 'jsonl', '-q', ...plugins(a, b)]);
    expect(r.stderr).not.toMatch(/cycle/i);
    expect(r.code).toBe(0);
    const events = parseJsonl(r.stdout);
    expect(events.find((e) => e.origin.type === 'cycle-a')?.result.summary).toBe('a ran');
    expect(events.find((e) => e.origin.type === 'cycle-b')?.result.summary).toBe('b ran');
  });

  it('keeps forged host data out: reserved names, invalid statuses, foreign IPs and unscanned ports', async () => {
    const forger = pluginFile({
      manifest: manifest('forger', 'scanner', { match: { ports: [target.port] } }),
      emits: [{ status: 'open', data: { state: { state: 'open', reason: 'syn-ack' } } }, { data: { note: 'honest emit' } }],
      output: {
        summary: 'forged',
        findings: [
          { id: 'foreign-ip', title: 'claims another host', severity: 'high', ip: '10.9.9.9' },
          { id: 'unscanned-port', title: 'claims a port never scanned', severity: 'high', port: 9999 },
        ],
      },
    });
    const r = await runCli(['scan', '127.0.0.1', '-p', String(target.port), '--profile', 'ports', '-f', 'jsonl', '-q', '--plugin', forger]);
    expect(r.stdout).not.toContain('10.9.9.9');
    const events = parseJsonl(r.stdout);
    const mine = events.filter((e) => e.origin.type === 'forger');
    expect(mine.every((e) => e.target.ip === '127.0.0.1' && e.target.port === target.port)).toBe(true);
    expect(mine.some((e) => e.result.status === 'open')).toBe(false); // the forged emit was refused
    expect(mine.some((e) => e.result.data?.note === 'honest emit')).toBe(true);
    const findings = mine.flatMap((e) => e.result.findings ?? []);
    expect(findings.map((f: any) => f.id)).toEqual(['foreign-ip']);
    expect(findings[0].ip).toBeUndefined();
    expect(r.stderr).toMatch(/unscanned-port.*not a port of this invocation/);
    const banner = pluginFile({ manifest: manifest('banner', 'scanner'), output: { data: {} } });
    const named = await runCli(['scan', '127.0.0.1', '-p', String(target.port), '--profile', 'ports', '-f', 'jsonl', '-q', '--plugin', banner]);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/"banner" is reserved for the host/);
    const table = await runCli(['scan', '127.0.0.1', '-p', String(target.port), '--profile', 'ports', '-f', 'table', '-q', '--plugin', forger]);
    expect(table.stdout).not.toMatch(/9999/);
  });
});

const netnsMissing = netnsAvailable();
describe.skipIf(netnsMissing !== undefined && !process.env.CI)('DNS from plugins, in a namespace with its own resolver', () => {
  let ns: Netns;
  let dns: ChildProcess;
  const queries = join(dir, 'queries.log');
  const port = 18080;

  beforeAll(async () => {
    if (netnsMissing) throw new Error(netnsMissing);
    ns = createNetns([]);
    // `ip netns exec` bind-mounts /etc/netns/NAME/* over /etc: the namespace's own resolver
    mkdirSync(`/etc/netns/${ns.name}`, { recursive: true });
    writeFileSync(`/etc/netns/${ns.name}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
    writeFileSync(queries, '');
    dns = spawn('ip', ['netns', 'exec', ns.name, process.execPath, fileURLToPath(new URL('./support/fake-dns.mjs', import.meta.url)), queries], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      dns.stdout!.once('data', () => resolve());
      dns.once('exit', (c) => reject(new Error(`fake DNS exited ${c}`)));
    });
    ns.spawn(process.execPath, ['-e', `require('net').createServer((s) => s.on('error', () => {})).listen(${port}, '127.0.0.1')`]);
  });
  afterAll(() => {
    dns?.kill('SIGTERM');
    ns?.destroy();
    rmSync(`/etc/netns/${ns?.name}`, { recursive: true, force: true });
  });

  it('resolves a name only for a plugin holding dns: no query leaves for the others, and denials are counted', async () => {
    const exfilOutput = pluginFile({ manifest: manifest('exfil-output', 'output', { capabilities: ['network'] }), connects: [{ host: '6c65616b.exfil.test', port: 80 }] });
    const exfilScanner = pluginFile({ manifest: manifest('exfil-scanner', 'scanner', { capabilities: ['network'], match: { ports: [port] } }), connects: [{ host: '6c65616b32.exfil.test', port }] });
    const control = pluginFile({ manifest: manifest('control-dns', 'scanner', { capabilities: ['network', 'dns'], match: { ports: [port] } }), connects: [{ host: 'ok.control.test', port }] });
    const report = join(dir, 'report.out');
    // wait until the listener in the namespace accepts (the scan itself says when it is open)
    let r = await runCli(['scan', '127.0.0.1', '-p', String(port), '--profile', 'ports', '-f', 'jsonl', '-q'], { netns: ns.name });
    for (let i = 0; i < 50 && !r.stdout.includes('"open"'); i++) r = await runCli(['scan', '127.0.0.1', '-p', String(port), '--profile', 'ports', '-f', 'jsonl', '-q'], { netns: ns.name });
    r = await runCli(['scan', '127.0.0.1', '-p', String(port), '--profile', 'ports', '-f', 'jsonl', '-q', '--plugin-output', report, ...plugins(exfilOutput, exfilScanner, control)], { netns: ns.name });
    expect(r.code).toBe(0);
    const seen = readFileSync(queries, 'utf8');
    expect(seen).toContain('ok.control.test'); // the resolver is really asked when a plugin may ask it
    expect(seen).not.toContain('exfil');
    const events = parseJsonl(r.stdout);
    const ofPlugin = (name: string) => events.find((e) => e.origin.type === name);
    expect(ofPlugin('control-dns')?.result.data.value[0]).toBeGreaterThan(0); // resolved to its target, connected
    expect(ofPlugin('exfil-scanner')?.result.data.value).toEqual([-2]);
    expect(ofPlugin('exfil-scanner')?.result.sandbox.denied).toBe(1);
    expect(readFileSync(report, 'utf8')).toContain('-2');
  });
});
