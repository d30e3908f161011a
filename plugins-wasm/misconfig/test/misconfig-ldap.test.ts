// The misconfig evaluator on the ldap plugin's results from real slapds:
// open (anonymous bind and reads), reads for users only, anonymous binds refused.
//   npx vitest run plugins-wasm/misconfig/test/misconfig-ldap.test.ts
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/sandbox/helpers/fixtures.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';
// @ts-expect-error plain ESM module with JSDoc types
import { SLAPD_SUFFIX, slapdSetup } from '../../../test/support/services/slapd.mjs';

interface Finding { id: string; title: string; severity: string; evidence?: string; port?: number; transport?: string }

describe('the misconfig evaluator on the ldap plugin\'s results from real slapds', () => {
  const ldap = usePlugin('ldap', { services: ['ldap'] });
  const misconfig = usePlugin('misconfig');
  const dirs: string[] = [];
  let noRead = 0;
  let noBind = 0;
  const slapd = (anonymousBind: boolean) => (port: number): string[] => {
    const dir = tempDir('misconfig-slapd');
    dirs.push(dir);
    return slapdSetup({ dir, host: '127.0.0.1', port, anonymousBind, anonymousRead: false }).args;
  };
  beforeAll(async () => {
    ({ port: noRead } = await ldap.daemon('/usr/sbin/slapd', slapd(true)));
    ({ port: noBind } = await ldap.daemon('/usr/sbin/slapd', slapd(false)));
  }, 60_000);
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Scans `port` with the ldap plugin, then runs the evaluator over that one result. */
  const findings = async (port: number): Promise<Finding[]> => {
    const r = await ldap.scan(port);
    expect(r.status, r.error).toBe('success');
    const e = await misconfig.invoke({ context: { asset: { ip: '127.0.0.1' }, plugin_results: [
      { plugin: 'ldap', ip: '127.0.0.1', port, transport: 'tcp', status: r.status, data: r.data },
    ] } });
    expect(e.status, e.error).toBe('success');
    return ((e.findings as Finding[] | undefined) ?? []).sort((a, b) => a.id.localeCompare(b.id));
  };

  it('an open directory: anonymous bind (medium) and anonymous search returning entries (high), on the port', async () => {
    const port = ldap.service<{ port: number }>('ldap').port;
    expect(await findings(port)).toEqual([
      { id: 'ldap-anonymous-bind', title: 'LDAP server accepts anonymous binds', severity: 'medium', port, transport: 'tcp',
        evidence: `plugin ldap, port ${port}/tcp: anonymous_bind=true, bind_result=success` },
      { id: 'ldap-anonymous-search', title: 'LDAP directory readable anonymously', severity: 'high', port, transport: 'tcp',
        evidence: `plugin ldap, port ${port}/tcp: anonymous_search=true, search_base=${SLAPD_SUFFIX}, search_entries=5, search_dns[0]=${SLAPD_SUFFIX}` },
    ]);
  });

  it('reads for users only: the anonymous bind alone', async () => {
    expect(await findings(noRead)).toEqual([
      { id: 'ldap-anonymous-bind', title: 'LDAP server accepts anonymous binds', severity: 'medium', port: noRead, transport: 'tcp',
        evidence: `plugin ldap, port ${noRead}/tcp: anonymous_bind=true, bind_result=success` },
    ]);
  });

  it('disallow bind_anon and require authc: no ldap finding', async () => {
    expect(await findings(noBind)).toEqual([]);
  });
});
