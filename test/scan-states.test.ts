import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { runCli, parseJsonl } from './support/cli.js';
import { listen, closedPort, type Listener } from './support/listeners.js';
import { createNetns, netnsAvailable } from './support/netns.js';

const byPort = (events: any[]) => new Map(events.map((e) => [e.target.port, e]));

describe('connect scan states on loopback', () => {
  const listeners: Listener[] = [];
  let open4: number;
  let open6: number;
  let closed4: number;

  beforeAll(async () => {
    listeners.push(await listen('127.0.0.1'));
    listeners.push(await listen('::1'));
    open4 = listeners[0]!.port;
    open6 = listeners[1]!.port;
    closed4 = await closedPort('127.0.0.1');
  });
  afterAll(async () => {
    await Promise.all(listeners.map((l) => l.close()));
  });

  for (const connector of ['libuv', 'net']) {
    it(`reports an open port as open/syn-ack and a closed one as closed/conn-refused (${connector} connector)`, async () => {
      const r = await runCli(['scan', '--profile', 'ports', '127.0.0.1', '-p', `${open4},${closed4}`, '--states', 'all', '-f', 'jsonl', '-q'], {
        env: connector === 'net' ? { WASMAP_CONNECTOR: 'net' } : {},
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const ev = byPort(parseJsonl(r.stdout));
      expect(ev.get(open4)?.result.data.state).toEqual({ state: 'open', reason: 'syn-ack' });
      expect(ev.get(closed4)?.result.data.state).toEqual({ state: 'closed', reason: 'conn-refused' });
      expect(ev.get(open4)?.origin).toMatchObject({ type: 'portscan', module: 'portscan', ip: '127.0.0.1', port: open4 });
      expect(ev.get(open4)?.target).toEqual({ ip: '127.0.0.1', port: open4, protocol: 'tcp' });
    });
  }

  it('reports only open ports by default, one portscan event each', async () => {
    const r = await runCli(['scan', '--profile', 'ports', '127.0.0.1', '-p', `${open4},${closed4}`, '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const events = parseJsonl(r.stdout);
    expect(events.map((e) => e.target.port)).toEqual([open4]);
  });

  it('scans IPv6 on ::1', async () => {
    const r = await runCli(['scan', '--profile', 'ports', '::1', '-p', `${open6},${closed4}`, '--states', 'all', '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const ev = byPort(parseJsonl(r.stdout));
    expect(ev.get(open6)?.target.ip).toBe('::1');
    expect(ev.get(open6)?.result.data.state.state).toBe('open');
    expect(ev.get(closed4)?.result.data.state.state).toBe('closed');
  });

  it('scans every address of a hostname and keeps the name', async () => {
    const r = await runCli(['scan', '--profile', 'ports', 'localhost', '-p', String(open4), '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const events = parseJsonl(r.stdout);
    const v4 = events.find((e) => e.target.ip === '127.0.0.1');
    expect(v4).toBeDefined();
    expect(v4.target.hostname).toBe('localhost');
    expect(v4.origin.hostname).toBe('localhost');
  });

  it('walks ports in a shuffled order that --seed reproduces', async () => {
    const args = (seed: string) => ['scan', '--profile', 'ports', '127.0.0.1', '-p', '1-300', '--states', 'all', '--concurrency', '1', '--workers', '1', '-Pn', '--seed', seed, '-f', 'jsonl', '-q'];
    const order = async (seed: string) => parseJsonl((await runCli(args(seed))).stdout).map((e) => e.target.port);
    const a = await order('42');
    const b = await order('42');
    const c = await order('7');
    expect(a).toHaveLength(300);
    expect(new Set(a).size).toBe(300);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    const sorted = [...a].sort((x, y) => x - y);
    expect(a).not.toEqual(sorted);
  });

  it('scans the N most common ports with --top-ports', async () => {
    const r = await runCli(['scan', '--profile', 'ports', '127.0.0.1', '--top-ports', '10', '--states', 'all', '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const ports = parseJsonl(r.stdout).map((e) => e.target.port);
    expect(ports).toHaveLength(10);
    expect(ports).toEqual(expect.arrayContaining([22, 80, 443]));
  });

  it('keeps going when file descriptors run out, lowering concurrency and saying so', async () => {
    const many = await Promise.all(Array.from({ length: 5 }, () => listen('127.0.0.1')));
    try {
      const ports = many.map((l) => l.port);
      const r = await runCli(['scan', '--profile', 'ports', '127.0.0.1', '-p', `1-3000,${ports.join(',')}`, '--concurrency', '2000', '--workers', '1', '-Pn', '-f', 'jsonl'], {
        shellPrefix: 'ulimit -n 96;',
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/lowering concurrency/);
      const found = parseJsonl(r.stdout).map((e) => e.target.port);
      expect(found).toEqual(expect.arrayContaining(ports));
      expect(r.stderr).toMatch(/3,00\d ports probed/);
    } finally {
      await Promise.all(many.map((l) => l.close()));
    }
  });
});

const netnsMissing = netnsAvailable();
describe.skipIf(netnsMissing !== undefined && !process.env.CI)('filtered ports in a network namespace', () => {
  it('reports a dropped port as filtered/timeout and an ICMP-rejected one as filtered/unreachable', async () => {
    if (netnsMissing) throw new Error(netnsMissing);
    const ns = createNetns(['tcp dport 9 drop', 'tcp dport 10 reject with icmp type host-unreachable']);
    try {
      const r = await runCli(['scan', '--profile', 'ports', '127.0.0.1', '-p', '9,10,11', '--states', 'all', '--timeout', '300', '--retries', '1', '-f', 'jsonl', '-q'], { netns: ns.name });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const ev = byPort(parseJsonl(r.stdout));
      expect(ev.get(9)?.result.data.state).toEqual({ state: 'filtered', reason: 'timeout' });
      expect(ev.get(10)?.result.data.state).toEqual({ state: 'filtered', reason: 'unreachable' });
      expect(ev.get(11)?.result.data.state).toEqual({ state: 'closed', reason: 'conn-refused' });
    } finally {
      ns.destroy();
    }
  });

  it('never reports a self-connect in the ephemeral range as an open port', async () => {
    // Scanning loopback's ephemeral ports, the kernel now and then picks the
    // destination port as the source: the connect "succeeds" with itself. In
    // a namespace of our own nothing listens, so any open port is a phantom.
    if (netnsMissing) throw new Error(netnsMissing);
    const ns = createNetns([]);
    try {
      const [lo, hi] = execFileSync('ip', ['netns', 'exec', ns.name, 'cat', '/proc/sys/net/ipv4/ip_local_port_range'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
      for (let round = 0; round < 3; round++) {
        const r = await runCli(['scan', '--profile', 'ports', '127.0.0.1', '-p', `${lo}-${hi}`, '-Pn', '-f', 'jsonl', '-q'], { netns: ns.name });
        expect(r.code).toBe(0);
        expect(parseJsonl(r.stdout).map((e) => e.target.port)).toEqual([]);
      }
    } finally {
      ns.destroy();
    }
  });

  it('skips hosts that answer no discovery probe, and scans them anyway with -Pn', async () => {
    if (netnsMissing) throw new Error(netnsMissing);
    const ns = createNetns(['ip daddr 127.0.0.2 drop']);
    try {
      const base = ['scan', '--profile', 'ports', '127.0.0.1-2', '-p', '7', '--states', 'all', '--timeout', '200', '--retries', '0', '-f', 'jsonl'];
      const r = await runCli(base, { netns: ns.name });
      expect(r.code).toBe(0);
      expect(parseJsonl(r.stdout).map((e) => e.target.ip)).toEqual(['127.0.0.1']);
      expect(r.stderr).toMatch(/2 hosts \(1 up\)/);
      const all = await runCli([...base, '-Pn'], { netns: ns.name });
      const states = new Map(parseJsonl(all.stdout).map((e) => [e.target.ip, e.result.data.state.state]));
      expect(states).toEqual(new Map([['127.0.0.1', 'closed'], ['127.0.0.2', 'filtered']]));
    } finally {
      ns.destroy();
    }
  });

  it('retries only probes that timed out: nftables counts the SYNs each port received', async () => {
    if (netnsMissing) throw new Error(netnsMissing);
    const ns = createNetns(['tcp dport 9 counter drop', 'tcp dport 11 counter accept']);
    try {
      const r = await runCli(['scan', '--profile', 'ports', '127.0.0.1', '-p', '9,11', '-Pn', '--states', 'all', '--timeout', '300', '--retries', '2', '-f', 'jsonl', '-q'], { netns: ns.name });
      expect(r.code).toBe(0);
      const counters = execFileSync('ip', ['netns', 'exec', ns.name, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
      const syns = (port: number) => Number(new RegExp(`dport ${port} counter packets (\\d+)`).exec(counters)?.[1]);
      expect(syns(9)).toBe(3); // dropped: the first attempt and two retries
      expect(syns(11)).toBe(1); // refused at once: never retried
    } finally {
      ns.destroy();
    }
  });
});
