// The ldap plugin on real OpenLDAP slapds: the shared open one of
// test/support/services.mjs (anonymous bind and reads allowed), one that
// refuses anonymous binds (disallow bind_anon, require authc), one that binds
// anonymously but lets only users read; what it reads is checked against
// ldapsearch (ldap-utils) on the same server. Then servers that are not LDAP.
//   npx vitest run plugins-wasm/ldap
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/sandbox/helpers/fixtures.js';
import { loopbackServer, usePlugin } from '../../../test/support/plugin-harness.js';
// @ts-expect-error plain ESM module with JSDoc types
import { SLAPD_DNS, SLAPD_SUFFIX, slapdSetup } from '../../../test/support/services/slapd.mjs';

interface LdapData {
  anonymous_bind: boolean; bind_result: string; bind_result_code: number; bind_message?: string;
  root_dse_result?: string; root_dse_result_code?: number; root_dse_message?: string;
  root_dse?: Record<string, string[]>; ldap_versions?: number[]; naming_contexts?: string[]; sasl_mechanisms?: string[];
  supported_controls?: string[]; supported_extensions?: string[]; supported_features?: string[];
  vendor_name?: string; vendor_version?: string; subschema_subentry?: string; config_context?: string; product?: string; product_from?: string;
  anonymous_search?: boolean; search_base?: string; search_result?: string; search_result_code?: number; search_entries?: number; search_dns?: string[];
}

/** What the plugin asks the rootDSE for (assembly/index.ts ROOT_DSE_ATTRS). */
const DSE_ATTRS = ['*', '+', 'namingContexts', 'supportedLDAPVersion', 'supportedSASLMechanisms', 'supportedControl', 'supportedExtension',
  'supportedFeatures', 'vendorName', 'vendorVersion', 'subschemaSubentry', 'configContext'];

/** ldapsearch -x (anonymous simple bind) on 127.0.0.1:`port`: exit code, stdout, stderr. */
function ldapsearch(port: number, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', `ldap://127.0.0.1:${port}`, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** LDIF entries as [dn, {attribute: values}] (base64 values decoded). */
function ldif(text: string): [string, Record<string, string[]>][] {
  return text.split(/\n\n+/).filter((b) => b.trim()).map((block) => {
    const attrs: Record<string, string[]> = {};
    let dn = '';
    for (const line of block.split('\n')) {
      const m = /^([^:]+)(::?) ?(.*)$/.exec(line);
      if (!m) continue;
      const value = m[2] === '::' ? Buffer.from(m[3]!, 'base64').toString('utf8') : m[3]!;
      if (m[1] === 'dn') dn = value;
      else (attrs[m[1]!] ??= []).push(value);
    }
    return [dn, attrs];
  });
}

describe('the ldap scanner plugin, on real OpenLDAP slapds', () => {
  const under = usePlugin('ldap', { services: ['ldap'] });
  const dirs: string[] = [];
  let noBind = 0; // disallow bind_anon, require authc, only users read
  let noRead = 0; // anonymous bind allowed, only users read
  const slapd = (anonymousBind: boolean, anonymousRead: boolean) => (port: number): string[] => {
    const dir = tempDir('ldap-slapd');
    dirs.push(dir);
    return slapdSetup({ dir, host: '127.0.0.1', port, anonymousBind, anonymousRead }).args;
  };

  beforeAll(async () => {
    ({ port: noBind } = await under.daemon('/usr/sbin/slapd', slapd(false, false)));
    ({ port: noRead } = await under.daemon('/usr/sbin/slapd', slapd(true, false)));
  }, 60_000);
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is an active scanner for ports 389 and 3268 or any port named ldap', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'ldap', kind: 'scanner', capabilities: ['network'], match: { ports: [389, 3268], services: ['ldap'], transport: 'tcp' },
    });
  });

  it('binds anonymously and reads the same rootDSE ldapsearch prints, attribute for attribute and value for value', async () => {
    const port = under.service('ldap').port;
    const r = await under.scan(port);
    expect(r.status, r.error).toBe('success');
    const d = r.data as LdapData;

    const same = ldapsearch(port, '-s', 'base', '-b', '', ...DSE_ATTRS);
    expect(same.code, same.err).toBe(0);
    const [[dn, dse]] = ldif(same.out) as [[string, Record<string, string[]>]];
    expect(dn).toBe('');
    expect(d.root_dse).toEqual(dse);
    // the issue's own command: every operational attribute it prints is there
    const plus = ldapsearch(port, '-s', 'base', '-b', '', '+');
    const [[, operational]] = ldif(plus.out) as [[string, Record<string, string[]>]];
    expect(Object.keys(operational).length).toBeGreaterThan(5);
    for (const [name, values] of Object.entries(operational)) expect(d.root_dse![name], name).toEqual(values);

    expect(d).toMatchObject({
      anonymous_bind: true, bind_result: 'success', bind_result_code: 0, root_dse_result: 'success', root_dse_result_code: 0,
      ldap_versions: [3], naming_contexts: [SLAPD_SUFFIX], sasl_mechanisms: dse.supportedSASLMechanisms ?? [],
      supported_controls: dse.supportedControl, supported_extensions: dse.supportedExtension, supported_features: dse.supportedFeatures,
      subschema_subentry: 'cn=Subschema', config_context: 'cn=config', product: 'OpenLDAP', product_from: 'objectClass OpenLDAProotDSE',
    });
    expect(dse.structuralObjectClass).toEqual(['OpenLDAProotDSE']);
    expect(d.vendor_name).toBeUndefined(); // OpenLDAP publishes none
    expect(r.service).toEqual({ name: 'ldap', product: 'OpenLDAP', cpe: ['cpe:/a:openldap:openldap'], confidence: 1, extrainfo: 'LDAPv3' });
  });

  it('searches the first naming context anonymously: the first 5 of its 6 DNs, as ldapsearch -z 5 lists them, and sizeLimitExceeded', async () => {
    const port = under.service('ldap').port;
    const r = await under.scan(port);
    const d = r.data as LdapData;
    const ls = ldapsearch(port, '-z', '5', '-b', SLAPD_SUFFIX, '1.1');
    expect(ls.code).toBe(4); // sizeLimitExceeded
    const dns = ldif(ls.out).map(([dn]) => dn);
    expect(dns).toEqual(SLAPD_DNS.slice(0, 5));
    expect(d).toMatchObject({
      anonymous_search: true, search_base: SLAPD_SUFFIX, search_result: 'sizeLimitExceeded', search_result_code: 4, search_entries: 5, search_dns: dns,
    });
    expect(r.summary).toBe('LDAP v3, OpenLDAP, dc=wasmap,dc=test, anonymous bind allowed, anonymous search returns entries');

    const all = await under.scan(port, { search_size_limit: 10 });
    expect(all.data).toMatchObject({ search_result: 'success', search_entries: 6, search_dns: [...SLAPD_DNS] });
    const none = await under.scan(port, { search_size_limit: 0 });
    expect(none.data).not.toHaveProperty('search_entries');
    expect(none.data).not.toHaveProperty('anonymous_search');
  });

  it('reports the refused bind (disallow bind_anon) and the refused rootDSE (require authc) with the codes ldapsearch gets', async () => {
    const r = await under.scan(noBind);
    expect(r.status, r.error).toBe('success');
    const ls = ldapsearch(noBind, '-s', 'base', '-b', '', '+');
    expect(ls.code).toBe(48);
    expect(ls.err).toMatch(/Inappropriate authentication \(48\)\s+additional info: anonymous bind disallowed/);
    // as a client that goes on after the refused bind (the plugin does), the rootDSE search is refused too
    expect(r.data).toEqual({
      anonymous_bind: false, bind_result: 'inappropriateAuthentication', bind_result_code: 48, bind_message: 'anonymous bind disallowed',
      root_dse_result: 'unwillingToPerform', root_dse_result_code: 53, root_dse_message: 'authentication required',
    });
    expect(r.summary).toBe('LDAP, anonymous bind refused (inappropriateAuthentication), rootDSE not readable (unwillingToPerform)');
    expect(r.service).toEqual({ name: 'ldap', confidence: 1 });
  });

  it('tells an allowed anonymous bind from an anonymous search that finds nothing (reads for users only)', async () => {
    const r = await under.scan(noRead);
    expect(r.status, r.error).toBe('success');
    const ls = ldapsearch(noRead, '-b', SLAPD_SUFFIX, '1.1');
    expect(ls.code).toBe(32); // noSuchObject: the base is not visible to anonymous
    expect(r.data).toMatchObject({
      anonymous_bind: true, bind_result: 'success', naming_contexts: [SLAPD_SUFFIX], product: 'OpenLDAP',
      anonymous_search: false, search_base: SLAPD_SUFFIX, search_result: 'noSuchObject', search_result_code: 32, search_entries: 0, search_dns: [],
    });
    expect(r.summary).toBe('LDAP v3, OpenLDAP, dc=wasmap,dc=test, anonymous bind allowed, anonymous search returns nothing (noSuchObject)');
  });
});

describe('the ldap scanner plugin, on servers that are not LDAP', () => {
  const under = usePlugin('ldap');

  it('fails cleanly on an HTTP server, a hostile BER length, a reply to another message, and a peer that closes', async () => {
    const http = await loopbackServer((s: Socket) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    // a SEQUENCE that claims 2 GiB - 1: refused from its header, nothing more is read
    const huge = await loopbackServer((s: Socket) => s.once('data', () => s.write(Buffer.from('30847fffffff020101', 'hex'))));
    // a well-formed BindResponse, but for message 7
    const other = await loopbackServer((s: Socket) => s.once('data', () => s.write(Buffer.from('300c02010761070a010004000400', 'hex'))));
    // a BindResponse that claims 10 octets inside a message with 7 left
    const inner = await loopbackServer((s: Socket) => s.once('data', () => s.write(Buffer.from('300c020101610a0a010004000400', 'hex'))));
    const closes = await loopbackServer((s: Socket) => s.once('data', () => s.end()));
    try {
      for (const [srv, error] of [
        [http, 'not an LDAP message (during bind)'],
        [huge, 'LDAP message over 262144 bytes (during bind)'],
        [other, 'reply to message 7 during bind, expected 1'],
        [inner, 'bad LDAP message during bind: BER length 10 at offset 5 overruns its container (7 bytes left)'],
        [closes, 'connection closed during bind'],
      ] as const) {
        const r = await under.scan(srv.port);
        expect(r.status, String(error)).toBe('protocol-error');
        if (typeof error === 'string') expect(r.error).toBe(error);
        else expect(r.error).toMatch(error);
        expect(r.data).toBeUndefined();
        expect(srv.accepted()).toBe(1);
      }
    } finally {
      for (const s of [http, huge, other, inner, closes]) s.srv.close();
    }
  });
});
