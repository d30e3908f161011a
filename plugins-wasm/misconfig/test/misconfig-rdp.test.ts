import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/sandbox/helpers/fixtures.js';
// plugin-harness loads services.mjs before xrdp.mjs (which imports it back): keep it above xrdp.mjs
import { usePlugin } from '../../../test/support/plugin-harness.js';
// @ts-expect-error plain ESM module with JSDoc types
import { ensureCertificate } from '../../../test/support/services.mjs';
// @ts-expect-error plain ESM module with JSDoc types
import { xrdpIni } from '../../../test/support/services/xrdp.mjs';

interface Finding { id: string; title: string; severity: string; evidence?: string; port?: number; transport?: string }

describe('the misconfig evaluator on the rdp plugin\'s results from real xrdp servers', () => {
  const rdp = usePlugin('rdp', { services: ['xrdp'], privateServices: true });
  const misconfig = usePlugin('misconfig');
  let tlsOnly = 0;
  beforeAll(async () => {
    const { cert, key } = ensureCertificate() as { cert: string; key: string };
    const dir = tempDir('xrdp-tls');
    const ini = join(dir, 'xrdp.ini');
    ({ port: tlsOnly } = await rdp.daemon('/usr/sbin/xrdp', (p) => {
      writeFileSync(ini, xrdpIni({ host: '127.0.0.1', port: p, securityLayer: 'tls', cert, key, logFile: join(dir, 'xrdp.log') }));
      return ['--nodaemon', '--config', ini];
    }));
  }, 60_000);

  /** Scans `port` with the rdp plugin, then runs the evaluator over that one result; the rdp findings only. */
  const rdpFindings = async (port: number): Promise<Finding[]> => {
    const r = await rdp.scan(port);
    expect(r.status, r.error).toBe('success');
    const e = await misconfig.invoke({ context: { asset: { ip: '127.0.0.1' }, plugin_results: [
      { plugin: 'rdp', ip: '127.0.0.1', port, transport: 'tcp', status: r.status, data: r.data },
    ] } });
    expect(e.status, e.error).toBe('success');
    const all = (e.findings as Finding[] | undefined) ?? [];
    // the certificate xrdp was given is self-signed: the TLS checks read the same cert_info the ssl plugin writes
    expect(all.map((f) => f.id)).toContain('tls-cert-self-signed');
    return all.filter((f) => f.id.startsWith('rdp-')).sort((a, b) => a.id.localeCompare(b.id));
  };

  it('security_layer=negotiate: RDP without NLA and standard RDP security, both medium, on the port', async () => {
    const port = rdp.service<{ port: number }>('xrdp').port;
    expect(await rdpFindings(port)).toEqual([
      { id: 'rdp-no-nla', title: 'RDP without Network Level Authentication', severity: 'medium', port, transport: 'tcp',
        evidence: `plugin rdp, port ${port}/tcp: nla_required=false, security_protocols=tls,rdp` },
      { id: 'rdp-standard-security', title: 'RDP accepts Standard RDP Security (RC4, server not authenticated)', severity: 'medium', port, transport: 'tcp',
        evidence: `plugin rdp, port ${port}/tcp: security_protocols=tls,rdp` },
    ]);
  });

  it('security_layer=tls: still no NLA, but no standard RDP security finding', async () => {
    expect(await rdpFindings(tlsOnly)).toEqual([
      { id: 'rdp-no-nla', title: 'RDP without Network Level Authentication', severity: 'medium', port: tlsOnly, transport: 'tcp',
        evidence: `plugin rdp, port ${tlsOnly}/tcp: nla_required=false, security_protocols=tls` },
    ]);
  });

  it('a server that requires NLA gives no rdp finding', async () => {
    const e = await misconfig.invoke({ context: { asset: { ip: '127.0.0.1' }, plugin_results: [
      { plugin: 'rdp', ip: '127.0.0.1', port: 3389, transport: 'tcp', status: 'success', data: { security_protocols: ['hybrid', 'hybrid_ex'], nla_required: true } },
    ] } });
    expect(e.findings ?? []).toEqual([]);
  });
});
