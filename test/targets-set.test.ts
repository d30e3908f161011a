// Builds target sets only: no address here is ever contacted.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { promises as dns } from 'node:dns';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTargetSet, TargetSet, type HostRef, type TargetInput } from '../src/targets/target-set.js';
import { UsageError, WasmapError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmap-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function listFile(content: string): string {
  const f = join(dir, `list-${fileNo++}.txt`);
  writeFileSync(f, content);
  return f;
}

/** A resolver that answers from a table and fails like the system one otherwise. */
function fakeResolver(table: Record<string, string[]>): (name: string) => Promise<string[]> {
  return async (name) => {
    const found = table[name];
    if (found) return found;
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

function allHosts(set: TargetSet): HostRef[] {
  return Array.from({ length: set.size }, (_, i) => set.hostAt(i));
}

function ips(set: TargetSet): string[] {
  return allHosts(set).map((h) => h.ip);
}

async function failure(input: TargetInput): Promise<WasmapError> {
  try {
    await buildTargetSet(input);
  } catch (e) {
    expect(e).toBeInstanceOf(WasmapError);
    return e as WasmapError;
  }
  throw new Error('expected buildTargetSet to fail');
}

describe('buildTargetSet', () => {
  it('orders IPv4 hosts first, ascending, then IPv6', async () => {
    const set = await buildTargetSet({ targets: ['::2', '127.0.0.9', '::1', '127.0.0.3-4'] });
    expect(set.size).toBe(5);
    expect(allHosts(set)).toEqual([
      { ip: '127.0.0.3', family: 4 },
      { ip: '127.0.0.4', family: 4 },
      { ip: '127.0.0.9', family: 4 },
      { ip: '::1', family: 6 },
      { ip: '::2', family: 6 },
    ]);
  });

  it('merges duplicate and overlapping specs into distinct hosts', async () => {
    const set = await buildTargetSet({ targets: ['127.0.0.1', '127.0.0.1/32', 'localhost', '127.0.0.0/30', '127.0.0.2-6'] });
    // localhost may also bring ::1, depending on the system resolver.
    expect(allHosts(set).filter((h) => h.family === 4).map((h) => h.ip)).toEqual(['127.0.0.0', '127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']);
    expect(set.intervals(4)).toEqual([{ first: 0x7f000000n, last: 0x7f000006n }]);
  });

  it('expands nothing: 0.0.0.0/0 is one interval of 2^32 hosts whose ends are reachable by index', async () => {
    const set = await buildTargetSet({ targets: ['0.0.0.0/0'] });
    expect(set.size).toBe(2 ** 32);
    expect(set.hostAt(0).ip).toBe('0.0.0.0');
    expect(set.hostAt(0x7f000001).ip).toBe('127.0.0.1');
    expect(set.hostAt(2 ** 32 - 1).ip).toBe('255.255.255.255');
  });

  it('refuses a spec above the host limit before building anything, naming it', async () => {
    const e = await failure({ targets: ['::1', '::/64'] });
    expect(e.code).toBe('WASMAP_TARGET_TOO_LARGE');
    expect(e.message).toBe("target '::/64' is too large: 18446744073709551616 addresses (limit 4294967296)");
    // Checked before resolving: the unresolvable name is never looked up.
    const e2 = await failure({ targets: ['nosuch.invalid', '127.0.0.0/24'], maxHosts: 100 });
    expect(e2.message).toBe("target '127.0.0.0/24' is too large: 256 addresses (limit 100)");
  });

  it('refuses a total above the host limit even when each spec fits', async () => {
    const e = await failure({ targets: ['0.0.0.0/0', '::1'] });
    expect(e.code).toBe('WASMAP_TARGET_TOO_LARGE');
    expect(e.message).toBe('targets are too large: 4294967297 addresses in all (limit 4294967296)');
    const ok = await buildTargetSet({ targets: ['127.0.0.0/25', '127.0.0.128/25'], maxHosts: 256 });
    expect(ok.size).toBe(256);
  });

  it('takes exclusions of any size, since they only ever shrink the set', async () => {
    const kept = await buildTargetSet({ targets: ['fd00::/112'], exclude: ['fd00::/113', 'fd00::8000-fd00::fffe'] });
    expect(ips(kept)).toEqual(['fd00::ffff']);
    const cut = await failure({ targets: ['fd00::/112'], exclude: ['::/0'] });
    expect(cut.code).toBe('WASMAP_USAGE');
    expect(cut.message).toBe('no targets to scan: all 65536 target addresses are excluded');
  });

  it('removes exclusions of every kind: address, CIDR, range and hostname', async () => {
    const set = await buildTargetSet({
      targets: ['127.0.0.0/28', '::1', '::5'],
      exclude: ['127.0.0.0', '127.0.0.4/30', '127.0.0.10-12', 'localhost'],
      resolve: fakeResolver({ localhost: ['127.0.0.1', '::1'] }),
    });
    expect(ips(set)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.8', '127.0.0.9', '127.0.0.13', '127.0.0.14', '127.0.0.15', '::5']);
  });

  it('says so when every target is excluded, and when there are none', async () => {
    const all = await failure({ targets: ['127.0.0.1-3'], exclude: ['127.0.0.0/8'] });
    expect(all).toBeInstanceOf(UsageError);
    expect(all.message).toBe('no targets to scan: all 3 target addresses are excluded');
    const none = await failure({ targets: [], inputFile: listFile('# only a comment\n\n') });
    expect(none).toBeInstanceOf(UsageError);
    expect(none.message).toBe('no targets to scan');
  });

  it('resolves a hostname to all its addresses and remembers the name for each', async () => {
    const set = await buildTargetSet({
      targets: ['web.test.invalid', '127.0.0.9'],
      resolve: fakeResolver({ 'web.test.invalid': ['127.0.0.5', '::1', '127.0.0.5'] }),
    });
    expect(allHosts(set)).toEqual([
      { ip: '127.0.0.5', family: 4, hostname: 'web.test.invalid' },
      { ip: '127.0.0.9', family: 4 },
      { ip: '::1', family: 6, hostname: 'web.test.invalid' },
    ]);
    expect(set.hostnames()).toEqual(new Map([['127.0.0.5', 'web.test.invalid'], ['::1', 'web.test.invalid']]));
  });

  it('keeps the first name when two names share an address, and drops names of excluded addresses', async () => {
    const set = await buildTargetSet({
      targets: ['a.invalid', 'b.invalid'],
      exclude: ['127.0.0.2'],
      resolve: fakeResolver({ 'a.invalid': ['127.0.0.1', '127.0.0.2'], 'b.invalid': ['127.0.0.1', '127.0.0.3'] }),
    });
    expect(set.hostnames()).toEqual(new Map([['127.0.0.1', 'a.invalid'], ['127.0.0.3', 'b.invalid']]));
  });

  it('canonicalises resolved addresses and skips scoped ones it cannot target', async () => {
    const set = await buildTargetSet({
      targets: ['v6.invalid'],
      resolve: fakeResolver({ 'v6.invalid': ['0:0:0:0:0:0:0:1', 'fe80::1%eth0'] }),
    });
    expect(allHosts(set)).toEqual([{ ip: '::1', family: 6, hostname: 'v6.invalid' }]);
    const e = await failure({ targets: ['scoped.invalid'], resolve: fakeResolver({ 'scoped.invalid': ['fe80::1%eth0'] }) });
    expect(e.code).toBe('WASMAP_RESOLVE');
    expect(e.message).toBe("failed to resolve 'scoped.invalid': no usable address");
  });

  it('resolves localhost through the system resolver to what /etc/hosts and the resolver say', async () => {
    const expected = (await dns.lookup('localhost', { all: true, verbatim: true })).map((a) => (a.address === '0:0:0:0:0:0:0:1' ? '::1' : a.address));
    const set = await buildTargetSet({ targets: ['localhost'] });
    expect(ips(set)).toContain('127.0.0.1');
    expect(ips(set).sort()).toEqual([...new Set(expected)].sort());
    const hostsFile = readFileSync('/etc/hosts', 'utf8');
    if (/^\s*::1\s.*\blocalhost\b/m.test(hostsFile)) expect(ips(set)).toContain('::1');
    for (const h of allHosts(set)) expect(h.hostname).toBe('localhost');
  });

  it('fails with WASMAP_RESOLVE, naming the host, when a name does not resolve', async () => {
    const e = await failure({ targets: ['127.0.0.1', 'nosuch.invalid'] });
    expect(e.code).toBe('WASMAP_RESOLVE');
    expect(e.message).toMatch(/^failed to resolve 'nosuch\.invalid'( \(\w+\))?$/);
    const ex = await failure({ targets: ['127.0.0.1'], exclude: ['gone.invalid'], resolve: fakeResolver({}) });
    expect(ex.code).toBe('WASMAP_RESOLVE');
    expect(ex.message).toBe("failed to resolve 'gone.invalid' (ENOTFOUND)");
  });

  it('reads -iL files: whitespace or newline separated, with # comments', async () => {
    const f = listFile('# loopback hosts\n127.0.0.1 127.0.0.3\t::1 # trailing comment 127.0.0.99\n\r\n  127.0.0.5-6\r\n');
    const set = await buildTargetSet({ targets: ['127.0.0.2'], inputFile: f });
    expect(ips(set)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.5', '127.0.0.6', '::1']);
  });

  it('reads --exclude-file in the same format', async () => {
    const ex = listFile('127.0.0.2 # not this one\n127.0.0.4\n');
    const set = await buildTargetSet({ targets: ['127.0.0.1-5'], excludeFile: ex });
    expect(ips(set)).toEqual(['127.0.0.1', '127.0.0.3', '127.0.0.5']);
  });

  it('names the file and line of a bad entry, and a file it cannot read', async () => {
    const f = listFile('127.0.0.1\n# comment\n127.0.0.1 1.2.3.4.5\n');
    const bad = await failure({ targets: [], inputFile: f });
    expect(bad.message).toBe(`invalid target '1.2.3.4.5': expected 4 octets, found 5 (${f} line 3)`);
    const missing = join(dir, 'nope.txt');
    const gone = await failure({ targets: [], inputFile: missing });
    expect(gone).toBeInstanceOf(UsageError);
    expect(gone.message).toBe(`cannot read target list '${missing}': ENOENT`);
    const goneEx = await failure({ targets: ['127.0.0.1'], excludeFile: missing });
    expect(goneEx.message).toBe(`cannot read exclude list '${missing}': ENOENT`);
  });

  it('passes bad positional specs through with their own message', async () => {
    const e = await failure({ targets: ['127.0.0.300'] });
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe("invalid target '127.0.0.300': octet 300 out of range");
  });
});

describe('TargetSet', () => {
  it('maps every index to a distinct host, in order, and refuses indices outside the set', async () => {
    const set = await buildTargetSet({ targets: ['127.0.0.250-127.0.1.3', '127.0.2.0/31', '::ffff:ffff-::1:0:1', 'fd00::ff/127'] });
    const got = ips(set);
    expect(got).toEqual([
      '127.0.0.250', '127.0.0.251', '127.0.0.252', '127.0.0.253', '127.0.0.254', '127.0.0.255',
      '127.0.1.0', '127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.2.0', '127.0.2.1',
      '::ffff:ffff', '::1:0:0', '::1:0:1', 'fd00::fe', 'fd00::ff',
    ]);
    expect(() => set.hostAt(set.size)).toThrow(WasmapError);
    expect(() => set.hostAt(-1)).toThrow(WasmapError);
    expect(() => set.hostAt(0.5)).toThrow(WasmapError);
  });

  it('survives structuredClone through toPlain and fromPlain, hostnames included', async () => {
    const set = await buildTargetSet({
      targets: ['127.0.0.0/8', 'fd00::/100', 'named.invalid'],
      exclude: ['127.0.0.128/25'],
      resolve: fakeResolver({ 'named.invalid': ['::1'] }),
    });
    const copy = TargetSet.fromPlain(structuredClone(set.toPlain()));
    expect(copy.size).toBe(set.size);
    expect(copy.hostnames()).toEqual(set.hostnames());
    for (const i of [0, 1, 127, 128, 2 ** 24 - 129, 2 ** 24 - 128, set.size - 2, set.size - 1]) {
      expect(copy.hostAt(i)).toEqual(set.hostAt(i));
    }
    expect(copy.hostAt(2 ** 24 - 128)).toEqual({ ip: '::1', family: 6, hostname: 'named.invalid' });
    expect(copy.hostAt(2 ** 24 - 127)).toEqual({ ip: 'fd00::', family: 6 });
    expect(copy.hostAt(copy.size - 1)).toEqual({ ip: 'fd00::fff:ffff', family: 6 });
  });
});
