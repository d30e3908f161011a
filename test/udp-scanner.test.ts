/**
 * The UDP scanner against real Debian daemons on loopback (dnsmasq, snmpd,
 * memcached, chronyd), the kernel's real ICMP port unreachable for closed
 * ports, and bound-but-silent sockets for open|filtered. A missing daemon
 * skips its tests locally and fails them in CI.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dnsVersionBind, memcachedStats, ntpRequest, readDnsFirstTxt, readDnsHeader, readMemcachedFrame, readNtpReply, readSnmpReply,
  snmpGetRequest, tftpReadRequest, udpPayload, udpProbe, UdpScanner, MAX_RESPONSE_BYTES, SYS_DESCR_OID,
  type UdpProbeResult, type UdpScanTarget,
} from '../src/net/udp/index.js';
import { constructed, decode, nullValue } from '../src/net/udp/ber.js';
import { createNetns, netnsAvailable } from './support/netns.js';
import { freeUdpPort, peerMissing, procUdp, SNMP_SYS_DESCR, startDgramPeer, startPeer } from './support/udp-peers.mjs';

type Peer = Awaited<ReturnType<typeof startPeer>>;
const V4 = { ip: '127.0.0.1', family: 4 as const };
const V6 = { ip: '::1', family: 6 as const };
const quick = { timeoutMs: 1500, retries: 1 };

const peers: Partial<Record<'dnsmasq' | 'snmpd' | 'memcached' | 'chronyd' | 'tftpd', Peer>> = {};

const startErrors: Partial<Record<keyof typeof peers, string>> = {};

/** Starts a daemon; a failure (a missing binary in CI included) fails only the tests that need it. */
async function start(name: keyof typeof peers): Promise<void> {
  if (skipUnless(name)) return;
  try {
    peers[name] = await startPeer(name);
  } catch (e) {
    startErrors[name] = (e as Error).message;
  }
}

function need(name: keyof typeof peers): Peer {
  const p = peers[name];
  if (!p) throw new Error(`${name} is not running: ${startErrors[name] ?? peerMissing(name) ?? 'not started'}`);
  return p;
}

const skipUnless = (name: keyof typeof peers) => !process.env.CI && peerMissing(name) !== undefined;

beforeAll(async () => {
  await Promise.all([start('dnsmasq'), start('snmpd'), start('memcached'), start('chronyd'), start('tftpd')]);
});

afterAll(async () => {
  await Promise.all(Object.values(peers).map((p) => p?.stop()));
});

async function collect(it: AsyncIterable<UdpProbeResult>): Promise<UdpProbeResult[]> {
  const out: UdpProbeResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('UDP payloads', () => {
  it('builds an SNMP GetRequest for sysDescr.0 that decodes back to its fields', () => {
    for (const [version, n] of [['v1', 0], ['v2c', 1]] as const) {
      const msg = decode(snmpGetRequest({ version, requestId: 0x1234abcd }).payload);
      const [ver, community, pdu] = msg?.children ?? [];
      expect(ver?.value).toEqual(Uint8Array.of(n));
      expect(Buffer.from(community!.value).toString()).toBe('public');
      expect(pdu?.tag).toBe(0xa0);
      expect(pdu?.children?.[0]?.value).toEqual(Uint8Array.of(0x12, 0x34, 0xab, 0xcd));
      // varbind: OID 1.3.6.1.2.1.1.1.0 then NULL
      expect(Buffer.from(pdu!.children![3]!.children![0]!.children![0]!.value).toString('hex')).toBe('2b06010201010100');
    }
  });

  it('refuses BER nested deeper than its cap instead of recursing without bound', () => {
    let bomb = nullValue();
    for (let i = 0; i < 100; i++) bomb = constructed(0x30, [bomb]);
    expect(decode(bomb)).toBeNull();
    let ok = nullValue();
    for (let i = 0; i < 10; i++) ok = constructed(0x30, [ok]);
    expect(decode(ok)?.tag).toBe(0x30);
  });

  it('gives well-known ports their protocol payload and other ports an empty datagram', () => {
    expect(udpPayload(53).name).toBe('dns-version-bind');
    expect(udpPayload(161).name).toBe('snmp-v1-get-sysdescr');
    expect(udpPayload(137).payload.length).toBe(50);
    expect(udpPayload(123).payload.length).toBe(48);
    expect(udpPayload(111).payload.length).toBe(40);
    expect(udpPayload(47123)).toEqual({ name: 'generic-empty', payload: new Uint8Array(0) });
    // fresh random ids: eight DNS queries sharing one id would be a 2^-112 fluke
    const ids = new Set(Array.from({ length: 8 }, () => readDnsHeader(udpPayload(53).payload)!.id));
    expect(ids.size).toBeGreaterThan(1);
  });
});

describe('udpProbe against real daemons', () => {
  it.skipIf(skipUnless('dnsmasq'))('finds dnsmasq open and its version.bind reply carries our query id', async () => {
    const dns = need('dnsmasq');
    for (const host of [V4, V6]) {
      const q = dnsVersionBind();
      const r = await udpProbe(host, dns.port, { ...quick, payload: q });
      expect(r).toMatchObject({ ip: host.ip, port: dns.port, transport: 'udp', state: 'open', reason: 'udp-response' });
      expect(r.rtt_ms).toBeGreaterThanOrEqual(0);
      const h = readDnsHeader(r.response!)!;
      expect(h.id).toBe(readDnsHeader(q.payload)!.id);
      expect(h.response).toBe(true);
      expect(readDnsFirstTxt(r.response!)).toMatch(/^dnsmasq-/);
      for (let n = 0; n < r.response!.length; n++) expect(readDnsFirstTxt(r.response!.subarray(0, n))).toBeNull();
    }
  });

  it.skipIf(skipUnless('snmpd'))('finds snmpd open and reads sysDescr.0 with v1 and v2c over IPv4 and IPv6', async () => {
    const snmp = need('snmpd');
    for (const host of [V4, V6]) {
      for (const [version, n] of [['v1', 0], ['v2c', 1]] as const) {
        const requestId = 0x5a5a0000 + n;
        const r = await udpProbe(host, snmp.port, { ...quick, payload: snmpGetRequest({ version, requestId }) });
        expect(r.state).toBe('open');
        const reply = readSnmpReply(r.response!);
        expect(reply).toMatchObject({ version: n, community: 'public', requestId, errorStatus: 0 });
        expect(reply!.varbinds).toEqual([{ oid: SYS_DESCR_OID, value: SNMP_SYS_DESCR }]);
        // every truncation of a real reply is refused, never misread
        for (let n = 0; n < r.response!.length; n++) expect(readSnmpReply(r.response!.subarray(0, n))).toBeNull();
      }
    }
  });

  it.skipIf(skipUnless('memcached'))('finds memcached open and its stats reply echoes our frame request id', async () => {
    const mc = need('memcached');
    const q = memcachedStats(0x4242);
    const r = await udpProbe(V4, mc.port, { ...quick, payload: q });
    expect(r.state).toBe('open');
    const frame = readMemcachedFrame(r.response!)!;
    expect(frame.requestId).toBe(0x4242);
    expect(frame.seq).toBe(0);
    expect(Buffer.from(frame.body).toString()).toMatch(/^STAT pid \d+\r\n/);
  });

  it.skipIf(skipUnless('chronyd'))('finds chronyd open and its NTP server reply echoes our transmit timestamp', async () => {
    const ntp = need('chronyd');
    const q = ntpRequest(4);
    const r = await udpProbe(V4, ntp.port, { ...quick, payload: q });
    expect(r.state).toBe('open');
    const reply = readNtpReply(r.response!)!;
    expect(reply).toMatchObject({ version: 4, mode: 4, stratum: 10 });
    expect(reply.origin).toEqual(q.payload.slice(40, 48));
  });

  it.skipIf(skipUnless('tftpd'))('finds tftpd open from the error it sends back, from a fresh port, for a file that does not exist', async () => {
    const tftp = need('tftpd');
    const q = tftpReadRequest('wasmap-no-such-file');
    expect(q.replyFromAnyPort).toBe(true);
    const r = await udpProbe(V4, tftp.port, { ...quick, payload: q });
    expect(r).toMatchObject({ state: 'open', reason: 'udp-response' });
    // ERROR (opcode 5), code 1: file not found (RFC 1350 §5)
    expect([...r.response!.subarray(0, 4)]).toEqual([0, 5, 0, 1]);
  });

  it('reports a loopback port with nothing bound as closed from the kernel\'s ICMP port unreachable', async () => {
    for (const host of [V4, V6]) {
      const port = await freeUdpPort({ ipv6: true });
      const r = await udpProbe(host, port, { timeoutMs: 30_000, retries: 3 });
      expect(r).toMatchObject({ ip: host.ip, port, transport: 'udp', state: 'closed', reason: 'port-unreach' });
      expect(r.response).toBeUndefined();
    }
  });

  it('reports a bound socket that never answers as open|filtered after sending once plus every retry', async () => {
    for (const host of [V4, V6]) {
      const silent = await startDgramPeer(host.ip);
      try {
        const r = await udpProbe({ ...host, hostname: 'quiet.test' }, silent.port, { timeoutMs: 200, retries: 2 });
        expect(r).toMatchObject({ ip: host.ip, hostname: 'quiet.test', state: 'open|filtered', reason: 'no-response' });
        expect(silent.received.length).toBe(3);
        expect(r.rtt_ms).toBeUndefined();
      } finally {
        await silent.close();
      }
    }
  });

  it('does not retry a port that answered, and keeps at most 4 KiB of an oversized reply', async () => {
    const big = await startDgramPeer('127.0.0.1', () => Buffer.alloc(9000, 0x41));
    try {
      const r = await udpProbe(V4, big.port, { timeoutMs: 30_000, retries: 5 });
      expect(r.state).toBe('open');
      expect(big.received.length).toBe(1);
      expect(r.response!.length).toBe(MAX_RESPONSE_BYTES);
      expect(r.response!.every((b) => b === 0x41)).toBe(true);
    } finally {
      await big.close();
    }
  });

  it('rejects with the abort reason when its signal aborts mid-probe', async () => {
    const silent = await startDgramPeer('127.0.0.1');
    try {
      const ac = new AbortController();
      const p = udpProbe(V4, silent.port, { timeoutMs: 600_000, retries: 0, signal: ac.signal });
      await waitFor(() => silent.received.length === 1);
      ac.abort(new Error('stop now'));
      await expect(p).rejects.toThrow('stop now');
      expect(connectedTo(silent.port, 4)).toBe(0);
    } finally {
      await silent.close();
    }
  });

  it('refuses a malformed target with a usage error', async () => {
    await expect(udpProbe({ ip: '::1', family: 4 }, 53, quick)).rejects.toMatchObject({ code: 'WASMAP_USAGE' });
    await expect(udpProbe(V4, 70000, quick)).rejects.toMatchObject({ code: 'WASMAP_USAGE' });
  });
});

describe('UdpScanner', () => {
  it.skipIf(skipUnless('dnsmasq') || skipUnless('snmpd') || skipUnless('memcached'))(
    'scans a mix of real services, closed and silent ports from an async source and reports each honestly',
    async () => {
      const silent = await startDgramPeer('127.0.0.1');
      const closed = await freeUdpPort({ ipv6: true });
      try {
        const targets: UdpScanTarget[] = [
          { host: V4, port: need('dnsmasq').port, payload: dnsVersionBind() },
          { host: V6, port: need('dnsmasq').port, payload: dnsVersionBind() },
          { host: V4, port: need('snmpd').port, payload: snmpGetRequest({ version: 'v2c' }) },
          { host: V4, port: need('memcached').port, payload: memcachedStats() },
          { host: V4, port: closed },
          { host: V6, port: closed },
          { host: V4, port: silent.port },
        ];
        async function* source() {
          for (const t of targets) yield t;
        }
        const scanner = new UdpScanner({ concurrency: 2, timeoutMs: 300, retries: 1, rate: 500 });
        const results = await collect(scanner.scan(source()));
        const byKey = new Map(results.map((r) => [`${r.ip}/${r.port}`, r]));
        expect(results.length).toBe(targets.length);
        for (const t of targets.slice(0, 4)) expect(byKey.get(`${t.host.ip}/${t.port}`)).toMatchObject({ state: 'open', reason: 'udp-response' });
        expect(byKey.get(`127.0.0.1/${closed}`)).toMatchObject({ state: 'closed', reason: 'port-unreach' });
        expect(byKey.get(`::1/${closed}`)).toMatchObject({ state: 'closed', reason: 'port-unreach' });
        expect(byKey.get(`127.0.0.1/${silent.port}`)).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
        expect(silent.received.length).toBe(2);
      } finally {
        await silent.close();
      }
    },
  );

  it('stops on abort, closes every socket, and ends with the results it already had', async () => {
    const silent = await startDgramPeer('127.0.0.1');
    const closed = await freeUdpPort();
    try {
      // silent probes would wait ten minutes each: only the abort can end this scan
      const targets: UdpScanTarget[] = [{ host: V4, port: closed }, ...Array.from({ length: 50 }, () => ({ host: V4, port: silent.port }))];
      const scanner = new UdpScanner({ concurrency: 8, timeoutMs: 600_000, retries: 0 });
      const ac = new AbortController();
      // once the closed port has answered, 8 silent probes fill every slot
      void waitFor(() => silent.received.length === 8).then(() => ac.abort());
      const results = await collect(scanner.scan(targets, ac.signal));
      expect(results).toEqual([expect.objectContaining({ port: closed, state: 'closed' })]);
      expect(connectedTo(silent.port, 4)).toBe(0);
      // nothing launched after the abort: a sentinel datagram sent now is the
      // ninth thing the peer receives (loopback delivers in send order)
      const sentinel = await sendSentinel(silent.port);
      await waitFor(() => silent.received.some((m) => m.equals(sentinel)));
      expect(silent.received.length).toBe(9);
    } finally {
      await silent.close();
    }
  });

  it('stops probing when the caller stops iterating', async () => {
    const closed = await freeUdpPort();
    const silent = await startDgramPeer('127.0.0.1');
    try {
      const scanner = new UdpScanner({ concurrency: 4, timeoutMs: 600_000, retries: 0 });
      const targets = [{ host: V4, port: closed }, ...Array.from({ length: 20 }, () => ({ host: V4, port: silent.port }))];
      for await (const r of scanner.scan(targets)) {
        expect(r.state).toBe('closed');
        break;
      }
      expect(connectedTo(silent.port, 4)).toBe(0);
    } finally {
      await silent.close();
    }
  });

  it('finishes every probe correctly when the process runs out of file descriptors', async () => {
    const closed = await freeUdpPort();
    const targets = Array.from({ length: 300 }, () => ({ host: V4, port: closed }));
    // retries: the kernel's global ICMP budget is shared with the other test files sending UDP at the
    // same time; a port-unreachable it dropped is asked for again instead of read as open|filtered
    const scanner = new UdpScanner({ concurrency: 300, timeoutMs: 3000, retries: 3 });
    const limits = nofile();
    // room for ~30 more descriptors: far fewer than the 300 sockets the scanner wants at once
    setNofileSoft(fs.readdirSync('/proc/self/fd').length + 30);
    let results: UdpProbeResult[];
    try {
      results = await collect(scanner.scan(targets));
    } finally {
      setNofileSoft(limits.soft);
    }
    expect(results.length).toBe(300);
    expect(results.every((r) => r.state === 'closed' && r.reason === 'port-unreach')).toBe(true);
  });

  it('refuses bad options and a malformed target with usage errors', async () => {
    expect(() => new UdpScanner({ concurrency: 0, timeoutMs: 100, retries: 0 })).toThrow(expect.objectContaining({ code: 'WASMAP_USAGE' }));
    expect(() => new UdpScanner({ concurrency: 1, timeoutMs: 100, retries: -1 })).toThrow(expect.objectContaining({ code: 'WASMAP_USAGE' }));
    const scanner = new UdpScanner({ concurrency: 1, timeoutMs: 100, retries: 0 });
    await expect(collect(scanner.scan([{ host: { ip: 'localhost', family: 4 }, port: 53 }]))).rejects.toMatchObject({ code: 'WASMAP_USAGE' });
  });
});

const netnsMissing = netnsAvailable();
describe.skipIf(netnsMissing !== undefined && !process.env.CI)('udpProbe behind a firewall in a network namespace', () => {
  it('reports ICMP administratively prohibited as filtered, a dropped datagram as open|filtered, and a bare port as closed', () => {
    if (netnsMissing) throw new Error(netnsMissing);
    const ns = createNetns(['udp dport 9 drop', 'udp dport 10 reject with icmpx type admin-prohibited']);
    const dir = transpileUdpSources();
    try {
      const script = `
        import { udpProbe } from ${JSON.stringify(path.join(dir, 'net/udp/index.js'))};
        const out = [];
        for (const host of [{ ip: '127.0.0.1', family: 4 }, { ip: '::1', family: 6 }])
          for (const port of [9, 10, 11]) out.push(await udpProbe(host, port, { timeoutMs: 300, retries: 1 }));
        console.log(JSON.stringify(out));`;
      const stdout = execFileSync('ip', ['netns', 'exec', ns.name, process.execPath, '--input-type=module', '-e', script], { timeout: 30_000 }).toString();
      const states = (JSON.parse(stdout) as UdpProbeResult[]).map((r) => `${r.ip} ${r.port} ${r.state} ${r.reason}`);
      expect(states).toEqual([
        '127.0.0.1 9 open|filtered no-response',
        '127.0.0.1 10 filtered unreachable',
        '127.0.0.1 11 closed port-unreach',
        '::1 9 open|filtered no-response',
        '::1 10 filtered unreachable',
        '::1 11 closed port-unreach',
      ]);
    } finally {
      ns.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A probe inside a namespace must run in a child process (`ip netns exec`),
 * which cannot load .ts: transpile the UDP scanner and what it imports.
 */
function transpileUdpSources(): string {
  const src = path.resolve(import.meta.dirname, '../src');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmap-udp-js-'));
  const files = ['errors.ts', 'model/event.ts', 'net/token-bucket.ts', ...fs.readdirSync(path.join(src, 'net/udp')).map((f) => `net/udp/${f}`)];
  for (const f of files.filter((f) => f.endsWith('.ts'))) {
    const js = ts.transpileModule(fs.readFileSync(path.join(src, f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
    fs.writeFileSync(path.join(out, f.replace(/\.ts$/, '.js')), js);
  }
  return out;
}

/** How many of this machine's UDP sockets are connected to `port` (our probes are). */
function connectedTo(port: number, family: 4 | 6): number {
  return procUdp(family).filter((s: { remotePort: number }) => s.remotePort === port).length;
}

/** Sends one marker datagram to `port` from a socket of its own. */
async function sendSentinel(port: number): Promise<Buffer> {
  const sock = createSocket('udp4');
  const msg = Buffer.from('wasmap-test-sentinel');
  await new Promise<void>((r, j) => sock.send(msg, port, '127.0.0.1', (e) => (e ? j(e) : r())));
  sock.close();
  return msg;
}

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

function nofile(): { soft: number; hard: number } {
  const out = execFileSync('prlimit', ['--pid', String(process.pid), '--nofile', '--raw', '--noheadings', '--output=SOFT,HARD']).toString().trim();
  const [soft, hard] = out.split(/\s+/).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft!, hard: hard! };
}

function setNofileSoft(soft: number): void {
  const { hard } = nofile();
  execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${soft}:${hard === Infinity ? 'unlimited' : hard}`]);
}
