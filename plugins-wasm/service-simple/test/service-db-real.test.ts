// service-simple's own database on real replies: (1) the real daemons of
// test/support/services.mjs that speak the protocols of its new probes (RDP,
// LDAP, SMB, X11, …), scanned with the default profile on their test ports
// (no port there is a protocol's usual one, so the probe order for unknown
// ports is what finds them), versions compared with what the installed
// packages report; (2) a table of replies captured from real daemons on this
// machine (test/fixtures/real-replies.json: source and probe per entry; the
// daemons whose protocol no services.mjs entry starts yet: RabbitMQ, epmd,
// git daemon, gpsd, qemu, krb5kdc, …), replayed on loopback, each with the
// name/product/version it must give; (3) replies written from the protocols'
// specifications, for services no Debian package here serves.
//   npx vitest run plugins-wasm/service-simple/test/service-db-real.test.ts
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';
// @ts-expect-error plain ESM module with JSDoc types
import { SERVICE_NAMES } from '../../../test/support/services.mjs';

interface ServiceOut { name: string; product?: string; version?: string; extrainfo?: string; method: string; probe: string; confidence: number }
interface Running { name: string; port: number; extra?: { ports?: Record<string, number> } }

/** The first dotted version in what `bin args…` prints (stdout or stderr), or in a Debian package's version. */
function versionOf(bin: string, args: string[], re: RegExp): string {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  const m = `${r.stdout}${r.stderr}`.match(re);
  if (!m) throw new Error(`${bin} ${args.join(' ')}: no version in ${r.stdout}${r.stderr}`);
  return m[1]!;
}
const pkg = (name: string): string => versionOf('dpkg-query', ['-W', '-f', '${Version}', name], /^(?:\d+:)?([\d.]+)/);

/** What each daemon must be named, when services.mjs defines it (others add them in parallel). */
const DAEMONS: Record<string, () => Partial<ServiceOut>> = {
  xrdp: () => ({ name: 'ms-wbt-server', product: 'xrdp', probe: 'RDPConnReq' }),
  ldap: () => ({ name: 'ldap', product: 'OpenLDAP', probe: 'LDAPRootDSE' }),
  smb: () => ({ name: 'microsoft-ds', probe: 'SMBNegotiate' }),
  x11: () => ({ name: 'x11', product: 'X.Org X server', extrainfo: 'access control disabled', probe: 'X11Setup' }),
  imap: () => ({ name: 'imap', product: 'Dovecot imapd', probe: 'NULL' }),
  nats: () => ({ name: 'nats', product: 'NATS Server', version: versionOf('nats-server', ['--version'], /v([\d.]+)/), probe: 'NULL' }),
  ipp: () => ({ name: 'ipp', product: 'CUPS', version: pkg('cups-daemon') }),
  etcd: () => ({ name: 'http', product: 'etcd', version: versionOf('etcd', ['--version'], /etcd Version: ([\d.]+)/), probe: 'HTTPVersion' }),
  prometheus: () => ({ name: 'http', product: 'Prometheus', version: versionOf('prometheus', ['--version'], /version ([\w.+~-]+)/) }),
  influxdb: () => ({ name: 'http', product: 'InfluxDB http admin', version: versionOf('influxd', ['version'], /InfluxDB v([\w.~-]+)/) }),
  docker: () => ({ name: 'docker', product: 'Podman API', version: versionOf('podman', ['--version'], /version ([\d.]+)/), probe: 'DockerPing' }),
  zookeeper: () => ({ name: 'zookeeper', product: 'Apache ZooKeeper', version: pkg('zookeeper'), probe: 'ZooKeeperSrvr' }),
  sip: () => ({ name: 'sip', product: 'Kamailio SIP proxy', version: pkg('kamailio'), probe: 'SIPOptions' }),
};
const present = Object.keys(DAEMONS).filter((n) => (SERVICE_NAMES as string[]).includes(n));

const under = usePlugin('service-simple', { services: present, privateServices: true, runtime: { workers: 2 } });

function serviceOf(r: InvocationResult): ServiceOut {
  expect(r.status, r.error).toBe('success');
  return (r.data as { service: ServiceOut }).service;
}

/** Loopback servers that answer as `reply` says; closed after each describe. */
function replyServers(): (probe: string, bytes: Buffer) => Promise<number> {
  const servers: Server[] = [];
  afterAll(() => { for (const s of servers) s.close(); });
  // on connect for a greeting (NULL), else in answer to the first bytes the plugin sends
  return async (probe, bytes) => {
    const srv = createServer((s: Socket) => {
      s.on('error', () => {});
      if (probe === 'NULL') s.write(bytes);
      else s.once('data', () => s.end(bytes));
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return (srv.address() as { port: number }).port;
  };
}

describe('the new probes against the real daemons of services.mjs', () => {
  it('has the daemons of the issue to run against', () => {
    // xrdp, slapd, samba and Xvfb are the client-first servers the issue names
    for (const n of ['xrdp', 'x11', 'imap', 'docker']) expect(present).toContain(n);
  });

  for (const name of present) {
    it(`names ${name} with the product and version its package reports`, async () => {
      const svc = under.service<Running>(name);
      const s = serviceOf(await under.scan(svc.port));
      expect(s).toMatchObject(DAEMONS[name]!());
      if (name === 'smb') expect(s.extrainfo).toMatch(/^SMB 2\+; message signing /);
    }, 30_000);
  }

  it('names Dovecot over POP3 on its second port', async () => {
    if (!present.includes('imap')) return;
    const pop3 = under.service<Running>('imap').extra?.ports?.pop3;
    expect(pop3).toBeTypeOf('number');
    expect(serviceOf(await under.scan(pop3!))).toMatchObject({ name: 'pop3', product: 'Dovecot pop3d', probe: 'NULL' });
  }, 30_000);
});

interface Captured { name: string; source: string; probe: string; reply: string }
const CAPTURED = JSON.parse(readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'real-replies.json'), 'utf8')) as Captured[];

/** Per captured reply, what it must give (version strings are those of the packages it came from, see `source`). */
const WANT: Record<string, Partial<ServiceOut>> = {
  imap: { name: 'imap', product: 'Dovecot imapd', method: 'probe_matching' },
  pop3: { name: 'pop3', product: 'Dovecot pop3d' },
  nats: { name: 'nats', product: 'NATS Server', version: '2.9.10', extrainfo: 'go1.19.8' },
  vnc: { name: 'vnc', extrainfo: 'protocol 3.8', method: 'probe_extraction' },
  xrdp: { name: 'ms-wbt-server', product: 'xrdp' },
  x11: { name: 'x11', product: 'X.Org X server', extrainfo: 'access control disabled' },
  epmd: { name: 'epmd', product: 'Erlang Port Mapper Daemon', extrainfo: 'node wasmapss at port 28673' },
  amqp: { name: 'amqp', product: 'RabbitMQ', version: '3.10.8', extrainfo: 'AMQP 0-9-1' },
  zookeeper: { name: 'zookeeper', product: 'Apache ZooKeeper', version: '3.8.0' },
  ldap: { name: 'ldap', product: 'OpenLDAP' },
  smb: { name: 'microsoft-ds', extrainfo: 'SMB 2+; message signing enabled but not required' },
  sip: { name: 'sip', product: 'Kamailio SIP proxy', version: '5.6.3', ostype: 'linux' } as Partial<ServiceOut>,
  git: { name: 'git', product: 'git-daemon' },
  ipp: { name: 'ipp', product: 'CUPS', version: '2.4.2', extrainfo: 'IPP 2.1' },
  etcd: { name: 'http', product: 'etcd', version: '3.4.23', extrainfo: 'cluster version 3.4.0' },
  prometheus: { name: 'http', product: 'Prometheus', version: '2.42.0+ds', extrainfo: 'go1.19.8' },
  influxdb: { name: 'http', product: 'InfluxDB http admin', version: '1.6.7~rc0' },
  podman: { name: 'docker', product: 'Podman API', version: '4.3.1', extrainfo: '' },
  gpsd: { name: 'gpsd', product: 'gpsd', version: '3.22', extrainfo: 'protocol 3.14' },
  nbd: { name: 'nbd', product: 'Network Block Device server', extrainfo: 'newstyle negotiation' },
  haproxy: { name: 'haproxy', product: 'HAProxy runtime API', version: '2.6.12' },
  ovsdb: { name: 'ovsdb', product: 'Open vSwitch database server' },
  nut: { name: 'nut', product: 'Network UPS Tools upsd', version: '2.8.0' },
  kerberos: { name: 'kerberos-sec', product: 'MIT Kerberos KDC', extrainfo: 'KRB-ERROR to an AS-REQ' },
  qmp: { name: 'qmp', product: 'QEMU Machine Protocol', version: '7.2.22', extrainfo: 'Debian 1:7.2+dfsg-7+deb12u18+b3' },
  spice: { name: 'spice', product: 'SPICE remote display server', extrainfo: 'protocol 2.2, link accepted' },
  iperf3: { name: 'iperf3', product: 'iperf3 server', extrainfo: 'ready for a test' },
  saned: { name: 'sane-port', product: 'SANE network scanner daemon', extrainfo: 'access granted' },
  lcdproc: { name: 'lcdproc', product: 'LCDproc LCDd', version: '0.5.9', extrainfo: 'protocol 0.3, 20x4 display' },
  lirc: { name: 'lirc', product: 'LIRC daemon', version: '0.10.1' },
};

describe('a table of replies captured from real daemons here (test/fixtures/real-replies.json)', () => {
  const serve = replyServers();
  const replay = (c: Captured): Promise<number> => serve(c.probe, Buffer.from(c.reply, 'hex'));

  it('has every reply the table expects, from the daemons it names', () => {
    expect(CAPTURED.map((c) => c.name).sort()).toEqual(Object.keys(WANT).sort());
  });

  for (const c of CAPTURED) {
    it(`${c.name}: ${c.source}`, async () => {
      // the probe that got the reply goes first; a greeting is read by NULL, which always goes first
      const config = c.probe === 'NULL' ? { probe_rarity: 'light' } : { prioritize_probes: [c.probe] };
      const s = serviceOf(await under.scan(await replay(c), config));
      const want = { ...WANT[c.name], probe: c.probe };
      for (const [k, v] of Object.entries(want)) {
        if (v === '') expect(s).not.toHaveProperty(k);
        else expect((s as unknown as Record<string, unknown>)[k], k).toBe(v);
      }
    }, 30_000);
  }
});

describe('greetings the database names generically or by product (literal text, software not installed here)', () => {
  const servers: Server[] = [];
  afterAll(() => { for (const s of servers) s.close(); });
  async function greeter(text: string): Promise<number> {
    const srv = createServer((s: Socket) => { s.on('error', () => {}); s.write(text); });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return (srv.address() as { port: number }).port;
  }
  const cases: [string, Partial<ServiceOut>][] = [
    // a product line of the database: probe_matching
    ['SSH-2.0-libssh_0.10.4\r\n', { name: 'ssh', product: 'libssh', version: '0.10.4', method: 'probe_matching' }],
    ['220 mx.example.org ESMTP OpenSMTPD\r\n', { name: 'smtp', product: 'OpenSMTPD', method: 'probe_matching' }],
    ['+OK Hello there.\r\n', { name: 'pop3', product: 'Courier pop3d', method: 'probe_matching' }],
    ['OK MPD 0.23.5\n', { name: 'mpd', product: 'Music Player Daemon', extrainfo: 'protocol 0.23.5' }],
    // the product taken from the greeting itself: probe_extraction, after the hand-written matchers
    ['SSH-2.0-Foo_1.2 bar\r\n', { name: 'ssh', product: 'Foo', version: '1.2', extrainfo: 'protocol 2.0', method: 'probe_extraction' }],
    ['220 mail.example.org ESMTP Foo/2.1 ready\r\n', { name: 'smtp', product: 'Foo', version: '2.1', method: 'probe_extraction' }],
    ['+OK FooPop 3.4 server ready\r\n', { name: 'pop3', product: 'FooPop', version: '3.4', method: 'probe_extraction' }],
  ];
  for (const [text, want] of cases) {
    it(JSON.stringify(text), async () => {
      expect(serviceOf(await under.scan(await greeter(text), { probe_rarity: 'light' }))).toMatchObject({ ...want, probe: 'NULL' });
    }, 30_000);
  }
  it('gives no version from a greeting cut before its line ends', async () => {
    const s = serviceOf(await under.scan(await greeter('220 mail.example.org ESMTP Foo/2.1'), { probe_rarity: 'light' }));
    expect(s.version).toBeUndefined();
  }, 30_000);
});

/** A little-endian u32 as latin1 text, for replies spelled as strings. */
const u32le = (n: number): string => String.fromCharCode(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);

describe('replies written from the specifications of protocols no package here serves', () => {
  const answer = replyServers();
  const bitcoinVersion = (agent: string): string => `\xf9\xbe\xb4\xd9version\x00\x00\x00\x00\x00${u32le(86 + agent.length)}\x00\x00\x00\x00`
    + `${u32le(70016)}${'\x00'.repeat(8)}${'\x00'.repeat(8)}${'\x00'.repeat(52)}${'\x01'.repeat(8)}${String.fromCharCode(agent.length)}${agent}\x00\x00\x00\x00\x01`;
  const cases: [string, string, string, Partial<ServiceOut>][] = [
    // hddtemp(8): |device|model|temperature|unit| per disk
    ['NULL', '|/dev/sda|WDC WD10EZEX-08WN4A0|33|C|', 'hddtemp', { name: 'hddtemp', product: 'hddtemp' }],
    // CDDBP (freedb's CDDB protocol): "201 host CDDBP server vX ready at …"
    ['NULL', '201 cddb.example.org CDDBP server v1.5.2PL0 ready at Sat Dec  5 12:00:00 2026\r\n', 'cddbp', { name: 'cddbp', product: 'CDDBP server', version: '1.5.2PL0' }],
    // gmond's XML dump: the DTD inline, then the root element
    ['NULL', '<?xml version="1.0" encoding="ISO-8859-1" standalone="yes"?>\n<!DOCTYPE GANGLIA_XML [\n   <!ELEMENT GANGLIA_XML (GRID|CLUSTER|HOST)*>\n      <!ATTLIST GANGLIA_XML VERSION CDATA #REQUIRED>\n]>\n<GANGLIA_XML VERSION="3.7.2" SOURCE="gmond">\n', 'ganglia', { name: 'ganglia', product: 'Ganglia gmond', version: '3.7.2' }],
    // multistream-select: a varint length, then the protocol id and a newline
    ['NULL', '\x13/multistream/1.0.0\n', 'libp2p', { name: 'libp2p', product: 'libp2p multistream-select' }],
    // STARTDT con
    ['IEC104StartDT', '\x68\x04\x0b\x00\x00\x00', 'iec-104', { name: 'iec-104', product: 'IEC 60870-5-104 outstation' }],
    // Acknowledge: version 0, buffer sizes, no limits
    ['OPCUAHello', `ACKF${u32le(28)}${u32le(0)}${u32le(65536)}${u32le(65536)}${u32le(0)}${u32le(0)}`, 'opcua-tcp', { name: 'opcua-tcp', product: 'OPC UA binary server' }],
    // Capabilities-Exchange-Answer with Result-Code 2001 (DIAMETER_SUCCESS)
    ['DiameterCER', '\x01\x00\x00\x20\x00\x00\x01\x01\x00\x00\x00\x00was\x00map\x00\x00\x00\x01\x0c\x40\x00\x00\x0c\x00\x00\x07\xd1', 'diameter', { name: 'diameter', product: 'Diameter peer' }],
    // session initiate response, sequence echoed, status 0
    ['HARTIPSession', '\x01\x01\x00\x00\x00\x01\x00\x0d\x01\x00\x00\x75\x30', 'hart-ip', { name: 'hart-ip', product: 'HART-IP device' }],
    // I20100: SOH, the command echoed, date, station header lines, ETX at the end
    ['ATGInventory', '\x01\r\nI20100\r\nDEC  5, 2026 12:00 PM\r\n\r\nWASMAP TEST STATION\r\n1 EXAMPLE ROAD\r\n\r\n\r\nIN-TANK INVENTORY\r\n\r\nTANK PRODUCT             VOLUME TC VOLUME   ULLAGE   HEIGHT    WATER     TEMP\r\n\x03', 'atg', { name: 'atg', product: 'Veeder-Root tank gauge', extrainfo: 'WASMAP TEST STATION' }],
    // RouterOS before 6.43: !done with a challenge in =ret=
    ['MikroTikLogin', '\x05!done\x25=ret=0123456789abcdef0123456789abcdef\x00', 'mikrotik-api', { name: 'mikrotik-api', product: 'MikroTik RouterOS API' }],
    ['ElectrumVersion', '{"jsonrpc": "2.0", "result": ["ElectrumX 1.16.0", "1.4"], "id": 0}\n', 'electrum', { name: 'electrum', product: 'ElectrumX', version: '1.16.0', extrainfo: 'protocol 1.4' }],
    ['StratumSubscribe', '{"id":1,"result":[[["mining.set_difficulty","b4b6693b72a50c7116db18d6497cac52"],["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],"08000002",4],"error":null}\n', 'stratum', { name: 'stratum', product: 'Stratum mining pool' }],
    ['BitcoinVersion', bitcoinVersion('/Satoshi:25.1.0/'), 'bitcoin', { name: 'bitcoin', product: 'Bitcoin Core', version: '25.1.0' }],
    ['BitcoinVersion', bitcoinVersion('/btcwire:0.5.0/btcd:0.24.0/'), 'btcd', { name: 'bitcoin', product: 'Bitcoin node', extrainfo: '/btcwire:0.5.0/btcd:0.24.0/' }],
    // HELLO 1.3 with a version bitmap element
    ['OpenFlowHello', '\x04\x00\x00\x10\x00\x00\x00\x05\x00\x01\x00\x08\x00\x00\x00\x10', 'openflow', { name: 'openflow', product: 'OpenFlow controller', extrainfo: 'OpenFlow 1.3' }],
  ];
  for (const [probe, reply, label, want] of cases) {
    it(`${label} (${probe})`, async () => {
      const config = probe === 'NULL' ? { probe_rarity: 'light' } : { prioritize_probes: [probe] };
      expect(serviceOf(await under.scan(await answer(probe, Buffer.from(reply, 'latin1')), config))).toMatchObject({ ...want, probe });
    }, 30_000);
  }
});
