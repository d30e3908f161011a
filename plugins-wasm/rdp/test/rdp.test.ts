import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpServer, tempDir, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';
import { closedPort } from '../../../test/support/listeners.js';
// plugin-harness loads services.mjs before xrdp.mjs (which imports it back): keep it above xrdp.mjs
import { usePlugin } from '../../../test/support/plugin-harness.js';
// @ts-expect-error plain ESM module with JSDoc types
import { ensureCertificate } from '../../../test/support/services.mjs';
// @ts-expect-error plain ESM module with JSDoc types
import { xrdpIni } from '../../../test/support/services/xrdp.mjs';

interface Probe { protocol: string; requested_protocols: number; selected?: string; failure?: string; error?: string; negotiation_supported?: boolean }
interface CertEntry {
  sha256_fingerprint: string; sha1_fingerprint: string;
  as_dict: { subject: { common_name: string }; issuer: { common_name: string }; validity: { not_before: string; not_after: string } };
}
interface NtlmInfo {
  target_name: string; netbios_computer_name: string; netbios_domain_name: string; dns_computer_name: string; dns_domain_name: string;
  product_version: string; timestamp_ms: number;
}
interface RdpData {
  security_protocols: string[]; nla_required: boolean; negotiation_supported: boolean; server_flags: string[]; probes: Probe[];
  tls?: { version: string; cipher: string }; cert_info?: { certificate_chain: CertEntry[]; is_self_signed: boolean }; tls_error?: string;
  ntlm_info?: NtlmInfo; ntlm_error?: string;
}

/** Node's "AA:BB:…" fingerprint as the plugin writes it (lowercase hex, no colons). */
const plainHex = (f: string): string => f.replaceAll(':', '').toLowerCase();

describe('the rdp scanner plugin, on real xrdp servers', () => {
  const under = usePlugin('rdp', { services: ['xrdp'], privateServices: true });
  const { cert, key } = ensureCertificate() as { cert: string; key: string };
  const given = new X509Certificate(readFileSync(cert));
  /** An xrdp of the test's own with another `security_layer` (the xrdp service runs `negotiate`), on the same certificate. */
  const xrdpWith = async (securityLayer: 'tls' | 'rdp'): Promise<number> => {
    const dir = tempDir(`xrdp-${securityLayer}`);
    const ini = join(dir, 'xrdp.ini');
    const { port } = await under.daemon('/usr/sbin/xrdp', (p) => {
      writeFileSync(ini, xrdpIni({ host: '127.0.0.1', port: p, securityLayer, cert, key, logFile: join(dir, 'xrdp.log') }));
      return ['--nodaemon', '--config', ini];
    });
    return port;
  };
  let tlsOnly = 0;
  let rdpOnly = 0;
  beforeAll(async () => {
    tlsOnly = await xrdpWith('tls');
    rdpOnly = await xrdpWith('rdp');
  }, 60_000);

  /** The certificate the plugin read is the one xrdp was given: fingerprints, subject, issuer, validity. */
  const expectGivenCertificate = (d: RdpData): void => {
    const leaf = d.cert_info!.certificate_chain[0]!;
    expect(d.cert_info!.certificate_chain).toHaveLength(1);
    expect(leaf.sha256_fingerprint).toBe(plainHex(given.fingerprint256));
    expect(leaf.sha1_fingerprint).toBe(plainHex(given.fingerprint));
    expect(leaf.as_dict.subject.common_name).toBe('wasmap.test');
    expect(leaf.as_dict.issuer.common_name).toBe('wasmap.test');
    expect(new Date(leaf.as_dict.validity.not_after).getTime()).toBe(new Date(given.validTo).getTime());
    expect(new Date(leaf.as_dict.validity.not_before).getTime()).toBe(new Date(given.validFrom).getTime());
    expect(d.cert_info!.is_self_signed).toBe(true);
    expect(d.tls!.version).toMatch(/^TLSv1\.[23]$/);
  };

  it('is an active scanner for port 3389 or a port named rdp / ms-wbt-server', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'rdp', kind: 'scanner', capabilities: ['network'], match: { ports: [3389], services: ['rdp', 'ms-wbt-server'], transport: 'tcp' },
    });
  });

  it('security_layer=negotiate: TLS and standard RDP security, no CredSSP, NLA not required, the certificate xrdp was given', async () => {
    const svc = under.service<{ port: number; extra: { certSha256: string } }>('xrdp');
    const r = await under.scan(svc.port);
    expect(r.status, r.error).toBe('success');
    const d = r.data as RdpData;
    expect(d).toMatchObject({ security_protocols: ['tls', 'rdp'], nla_required: false, negotiation_supported: true });
    // xrdp answers every request it cannot meet with what it can: TLS for CredSSP, standard security for RDSTLS alone
    expect(d.probes).toEqual([
      { protocol: 'tls', requested_protocols: 1, selected: 'tls' },
      { protocol: 'rdp', requested_protocols: 0, selected: 'rdp' },
      { protocol: 'hybrid', requested_protocols: 3, selected: 'tls' },
      { protocol: 'hybrid_ex', requested_protocols: 11, selected: 'tls' },
      { protocol: 'rdstls', requested_protocols: 4, selected: 'rdp' },
    ]);
    expectGivenCertificate(d);
    expect(d.cert_info!.certificate_chain[0]!.sha256_fingerprint).toBe(plainHex(svc.extra.certSha256));
    const until = new Date(given.validTo).toISOString().slice(0, 10);
    expect(r.summary).toBe(`RDP: TLS, standard RDP security; NLA not required; CN=wasmap.test, self-signed, until ${until}`);
    expect(r.service).toEqual({ name: 'ms-wbt-server', confidence: 1, extrainfo: 'security tls/rdp' });
  });

  it('security_layer=tls: TLS only; standard security refused with SSL_REQUIRED_BY_SERVER', async () => {
    const r = await under.scan(tlsOnly);
    expect(r.status, r.error).toBe('success');
    const d = r.data as RdpData;
    expect(d).toMatchObject({ security_protocols: ['tls'], nla_required: false });
    expect(d.probes.find((p) => p.protocol === 'rdp')).toEqual({ protocol: 'rdp', requested_protocols: 0, failure: 'SSL_REQUIRED_BY_SERVER' });
    expectGivenCertificate(d);
    expect(r.summary).toMatch(/^RDP: TLS; NLA not required; CN=wasmap\.test, self-signed, until /);
  });

  it('security_layer=rdp: standard RDP security only, selected even when TLS alone is asked for, so no certificate', async () => {
    const r = await under.scan(rdpOnly);
    expect(r.status, r.error).toBe('success');
    const d = r.data as RdpData;
    expect(d).toMatchObject({ security_protocols: ['rdp'], nla_required: false });
    // xrdp does not send SSL_NOT_ALLOWED_BY_SERVER: it selects what it has and leaves the choice to the client
    expect(d.probes.map((p) => p.selected)).toEqual(['rdp', 'rdp', 'rdp', 'rdp', 'rdp']);
    expect(d.cert_info).toBeUndefined();
    expect(r.summary).toBe('RDP: standard RDP security; NLA not required');
  });

  describe("servers of the test's own on loopback", () => {
    const servers: TestServer[] = [];
    afterAll(async () => { for (const s of servers) await s.close(); });
    /** A server that answers each Connection Request with `reply(requestedProtocols)`. */
    const answering = async (reply: (requested: number) => Buffer): Promise<number> => {
      const s = await tcpServer((sock: Socket) => {
        let got = Buffer.alloc(0);
        sock.on('data', (b: Buffer) => {
          got = Buffer.concat([got, b]);
          if (got.length >= 19) sock.end(reply(got.readUInt32LE(15)));
        });
      });
      servers.push(s);
      return s.port;
    };
    /** A Connection Confirm carrying RDP_NEG_RSP (type 2) or RDP_NEG_FAILURE (type 3). */
    const confirm = (type: 2 | 3, value: number): Buffer => {
      const b = Buffer.from([3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, type, 0, 8, 0, 0, 0, 0, 0]);
      b.writeUInt32LE(value, 15);
      return b;
    };

    it('fails cleanly on a server that sends junk: protocol-error naming the bytes, no data', async () => {
      const port = await answering(() => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
      const r = await under.scan(port, { timeout_ms: 1000 });
      expect({ status: r.status, error: r.error, data: r.data }).toEqual({ status: 'protocol-error', error: 'not an RDP reply: TPKT header 48545450', data: undefined });
    });

    it('fails cleanly on a cut Connection Confirm and on a closed port', async () => {
      const cut = await answering(() => confirm(2, 1).subarray(0, 12));
      expect(await under.scan(cut, { timeout_ms: 1000 })).toMatchObject({ status: 'protocol-error', error: 'connection closed reading the Connection Confirm' });
      expect((await under.scan(await closedPort())).status).toBe('connection-refused');
    });

    it('calls NLA required when only CredSSP is selected and the rest is refused with HYBRID_REQUIRED_BY_SERVER', async () => {
      const port = await answering((req) => (req & 2 ? confirm(2, 2) : confirm(3, 5)));
      const r = await under.scan(port, { certificate: false });
      expect(r.status, r.error).toBe('success');
      const d = r.data as RdpData;
      expect(d).toMatchObject({ security_protocols: ['hybrid'], nla_required: true });
      expect(d.probes.map((p) => p.failure ?? p.selected)).toEqual(['HYBRID_REQUIRED_BY_SERVER', 'HYBRID_REQUIRED_BY_SERVER', 'hybrid', 'hybrid', 'HYBRID_REQUIRED_BY_SERVER']);
      expect(r.summary).toBe('RDP: CredSSP (NLA); NLA required');
    });

    it('takes a Connection Confirm without negotiation data (RDP 5.1 and older) as standard RDP security only', async () => {
      const port = await answering(() => Buffer.from([3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0]));
      const r = await under.scan(port);
      expect(r.status, r.error).toBe('success');
      expect(r.data).toMatchObject({ security_protocols: ['rdp'], nla_required: false, negotiation_supported: false });
      expect(r.summary).toBe('RDP: standard RDP security; NLA not required');
    });
  });
});

/** An Xvfb on a display it picks itself (-displayfd), no TCP; its ":N". */
async function xvfb(procs: ChildProcess[]): Promise<string> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '320x200x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  procs.push(proc);
  const n = await new Promise<string>((resolve, reject) => {
    let got = '';
    (proc.stdio[3] as Readable).on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\n')) resolve(got.trim());
    });
    proc.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  return `:${n}`;
}

describe('the rdp scanner plugin, on a real FreeRDP shadow server that requires NLA (CredSSP)', () => {
  const under = usePlugin('rdp');
  const xservers: ChildProcess[] = [];
  let port = 0;
  beforeAll(async () => {
    const display = await xvfb(xservers);
    const dir = tempDir('freerdp-shadow');
    const sam = join(dir, 'SAM');
    writeFileSync(sam, 'wasmap:::8846F7EAEE8FB117AD06BDD830B7586C:::\n'); // an NT hash; no test logs in with it
    // env execs in place: the PID stays the server's; its self-signed certificate goes under XDG_CONFIG_HOME
    ({ port } = await under.daemon('/usr/bin/env', (p) => [`DISPLAY=${display}`, `HOME=${dir}`, `XDG_CONFIG_HOME=${dir}`,
      'freerdp-shadow-cli', `/port:${p}`, '/bind-address:127.0.0.1', '/sec:nla', '+auth', `/sam-file:${sam}`]));
  }, 60_000);
  afterAll(() => {
    for (const p of xservers) if (p.pid && p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGTERM');
  });

  it('finds CredSSP only, NLA required (HYBRID_REQUIRED_BY_SERVER), and the NTLM challenge naming this host', async () => {
    const r = await under.scan(port);
    expect(r.status, r.error).toBe('success');
    const d = r.data as RdpData;
    expect(d).toMatchObject({ security_protocols: ['hybrid'], nla_required: true, negotiation_supported: true });
    expect(d.probes.map((p) => p.failure ?? p.selected)).toEqual(['HYBRID_REQUIRED_BY_SERVER', 'HYBRID_REQUIRED_BY_SERVER', 'hybrid', 'hybrid', 'HYBRID_REQUIRED_BY_SERVER']);
    // FreeRDP names the machine it runs on: gethostname(), the NetBIOS form upper-cased and cut at 15
    const host = hostname().split('.')[0]!;
    const n = d.ntlm_info!;
    expect(n.dns_computer_name.toLowerCase()).toBe(host.toLowerCase());
    expect(n.netbios_computer_name).toBe(host.toUpperCase().slice(0, 15));
    expect(n.product_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Math.abs(n.timestamp_ms - Date.now())).toBeLessThan(600_000);
    expect(d.cert_info!.certificate_chain).toHaveLength(1);
    expect(r.summary).toMatch(new RegExp(`^RDP: CredSSP \\(NLA\\); NLA required; NTLM ${n.dns_computer_name} \\(${n.product_version.replaceAll('.', '\\.')}\\); CN=`));
  });

  it('skips the CredSSP round when ntlm_info is off', async () => {
    const r = await under.scan(port, { ntlm_info: false });
    expect(r.status, r.error).toBe('success');
    expect((r.data as RdpData).ntlm_info).toBeUndefined();
    expect(r.summary).toMatch(/^RDP: CredSSP \(NLA\); NLA required; CN=/);
  });
});
