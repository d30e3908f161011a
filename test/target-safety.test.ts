// Issue #11 item 3: wide scans need --allow-large-scan, reserved blocks are
// left out of ranges. The unit tests build sets and count them, contacting
// nothing; every CLI run here happens inside an empty network namespace (lo
// only), so even a broken refusal cannot send a packet off this machine.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planTargets, literalTargetCount, type TargetInput } from '../src/targets/target-set.js';
import { checkTargetLimit, DEFAULT_MAX_TARGETS } from '../src/targets/target-limit.js';
import { RESERVED_BLOCKS } from '../src/targets/reserved.js';
import { WasmapError } from '../src/errors.js';
import { parseIp } from '../src/targets/ip.js';
import { spawnCli, expectRefusal, type CliResult } from './support/cli.js';
import { createNetns, netnsAvailable, type Netns } from './support/netns.js';

const plan = (input: Omit<TargetInput, 'leaveOutReserved'>) => planTargets({ ...input, leaveOutReserved: true });
const ipsOf = (set: Awaited<ReturnType<typeof plan>>['set']): string[] => Array.from({ length: set.size }, (_, i) => set.hostAt(i).ip);
const leftOf = (p: Awaited<ReturnType<typeof plan>>): Record<string, bigint> => Object.fromEntries(p.leftOut.map((l) => [l.block.cidr, l.count]));

describe('reserved blocks are left out of ranges unless named', () => {
  it('takes 0.0.0.0/8, the documentation nets, multicast and 240/4 (with 255.255.255.255) out of 0.0.0.0/0', async () => {
    const p = await plan({ targets: ['0.0.0.0/0'] });
    const left = 2 ** 24 + 3 * 256 + 2 ** 28 + 2 ** 28;
    expect(p.set.size).toBe(2 ** 32 - left);
    expect(p.set.hostAt(0).ip).toBe('1.0.0.0');
    expect(p.set.hostAt(p.set.size - 1).ip).toBe('223.255.255.255');
    expect(leftOf(p)).toEqual({
      '0.0.0.0/8': 2n ** 24n, '192.0.2.0/24': 256n, '198.51.100.0/24': 256n, '203.0.113.0/24': 256n,
      '224.0.0.0/4': 2n ** 28n, '240.0.0.0/4': 2n ** 28n,
    });
  });

  it('keeps loopback, private and link-local IPv4 ranges whole', async () => {
    const p = await plan({ targets: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] });
    expect(p.set.size).toBe(2 ** 24 * 2 + 2 ** 20 + 2 ** 16 + 2 ** 22 + 2 ** 16);
    expect(p.leftOut).toEqual([]);
  });

  it('keeps what the user named: a single address, a block inside a reserved one, a hostname', async () => {
    const p = await plan({
      targets: ['255.255.255.255', '224.0.0.0/24', 'ff02::1-ff02::3', '0.0.0.0', 'mcast.invalid'],
      resolve: async () => ['239.1.2.3'],
    });
    expect(ipsOf(p.set)).toEqual(['0.0.0.0', '224.0.0.0', ...Array.from({ length: 255 }, (_, i) => `224.0.0.${i + 1}`), '239.1.2.3', '255.255.255.255', 'ff02::1', 'ff02::2', 'ff02::3']);
    expect(p.leftOut).toEqual([]);
  });

  it('cuts only the reserved part of a range that crosses into a block, and counts it', async () => {
    const p = await plan({ targets: ['223.255.255.254-224.0.0.1'] });
    expect(ipsOf(p.set)).toEqual(['223.255.255.254', '223.255.255.255']);
    expect(leftOf(p)).toEqual({ '224.0.0.0/4': 2n });
    // named on their own, the same addresses come back (and are not counted as left out)
    const again = await plan({ targets: ['223.255.255.254-224.0.0.1', '224.0.0.1'] });
    expect(ipsOf(again.set)).toEqual(['223.255.255.254', '223.255.255.255', '224.0.0.1']);
    expect(leftOf(again)).toEqual({ '224.0.0.0/4': 1n });
  });

  it('in IPv6 keeps ::1 and unique-local space, and leaves out ::, IPv4-mapped, documentation, link-local and multicast', async () => {
    const p = await plan({ targets: ['::/120', 'fd00::/120'] });
    expect(p.set.size).toBe(255 + 256);
    expect(p.set.hostAt(0).ip).toBe('::1');
    expect(leftOf(p)).toEqual({ '::/128': 1n });
    const wide = await plan({ targets: ['::ffff:0.0.0.0/120', '2001:db8::/120', 'fe80::/120', 'ff00::/120', '100::/120', '3fff::/120'] });
    // each lies inside its block: named, so kept
    expect(wide.set.size).toBe(6 * 256);
    const across = await plan({ targets: ['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ff00-fe80::ff'] });
    expect(across.set.size).toBe(256);
    expect(leftOf(across)).toEqual({ 'fe80::/10': 256n });
  });

  it('does not count excluded addresses as left out, and says so when only reserved ones remain', async () => {
    const p = await plan({ targets: ['223.0.0.0-225.255.255.255'], exclude: ['225.0.0.0/8'] });
    expect(leftOf(p)).toEqual({ '224.0.0.0/4': 2n ** 24n });
    await expect(plan({ targets: ['224.0.0.0/3'] })).rejects.toThrow(/all 536870912 addresses are reserved \(224\.0\.0\.0\/4, 240\.0\.0\.0\/4\)/);
  });

  it('never lists loopback, private, shared or link-local IPv4 space', () => {
    for (const text of ['127.0.0.1', '10.0.0.1', '172.16.0.1', '192.168.0.1', '100.64.0.1', '169.254.1.1', '::1', 'fd00::1', '64:ff9b::1']) {
      const ip = parseIp(text);
      expect(RESERVED_BLOCKS.filter((b) => b.family === ip.family && b.first <= ip.value && ip.value <= b.last).map((b) => b.cidr), text).toEqual([]);
    }
  });
});

describe('the size limit', () => {
  it('accepts a /8 and refuses one address more, unless the limit is lifted', () => {
    expect(DEFAULT_MAX_TARGETS).toBe(2 ** 24);
    expect(() => checkTargetLimit(2n ** 24n, DEFAULT_MAX_TARGETS)).not.toThrow();
    let e: unknown;
    try {
      checkTargetLimit(2n ** 24n + 1n, DEFAULT_MAX_TARGETS);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(WasmapError);
    expect((e as WasmapError).code).toBe('WASMAP_TARGET_TOO_LARGE');
    expect((e as WasmapError).message).toMatch(/^targets are 16,777,217 addresses, more than 16,777,216 \(a \/8\): pass --allow-large-scan/);
    expect(() => checkTargetLimit(2n ** 32n, undefined)).not.toThrow();
  });

  it('counts typed targets without expanding or resolving them', () => {
    // the whole IPv4 space and 2^32 IPv6 addresses: counted from intervals at once
    expect(literalTargetCount(['0.0.0.0/0', '::/96'], [], { leaveOutReserved: true })).toBe(3_741_318_400n + 2n ** 32n - 1n);
    expect(literalTargetCount(['127.0.0.0/7'], ['126.0.0.0/8'], { leaveOutReserved: true })).toBe(2n ** 24n);
    // a name adds addresses, so the count is a floor; a name among exclusions makes it unknown
    expect(literalTargetCount(['127.0.0.1', 'some.name.invalid'], [])).toBe(1n);
    expect(literalTargetCount(['127.0.0.0/7'], ['some.name.invalid'])).toBeUndefined();
  });
});

/** Runs the CLI in the namespace; a run that is still going after `ms` is killed (a refusal takes well under a second). */
function runIn(ns: Netns, args: string[], ms = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, { netns: ns.name });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), ms);
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.end('');
  });
}

function tcpPacketsSeen(ns: Netns): number {
  const rules = execFileSync('ip', ['netns', 'exec', ns.name, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
  return Number(/meta l4proto tcp counter packets (\d+)/.exec(rules)?.[1] ?? NaN);
}


const netnsMissing = netnsAvailable();
describe.skipIf(netnsMissing !== undefined && !process.env.CI)('wasmap scan in an empty network namespace', () => {
  let ns: Netns;
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-safety-'));
  beforeAll(() => {
    if (netnsMissing) throw new Error(netnsMissing);
    // lo only; the rule counts every TCP packet that arrives, so "nothing sent" is checked, not assumed
    ns = createNetns(['meta l4proto tcp counter']);
  });
  afterAll(() => {
    ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses 0.0.0.0/0 and ::/96 with one line, exit 2, nothing sent', async () => {
    expectRefusal(await runIn(ns, ['scan', '0.0.0.0/0', '-p', '80', '--profile', 'ports', '-Pn']), /3,741,318,400 addresses, more than 16,777,216 \(a \/8\): pass --allow-large-scan/);
    expectRefusal(await runIn(ns, ['scan', '::/96', '-p', '80', '--profile', 'ports', '-Pn']), /4,294,967,295 addresses.*--allow-large-scan/);
    expect(tcpPacketsSeen(ns)).toBe(0);
  });

  it('refuses 127.0.0.0/7 from the command line and from a list file, writing no -o file', async () => {
    const out = join(dir, 'refused.json');
    expectRefusal(await runIn(ns, ['scan', '127.0.0.0/7', '-p', '1', '--profile', 'ports', '-Pn', '-o', out]), /33,554,432 addresses/);
    expect(existsSync(out)).toBe(false);
    // -iL is read by target_expansion, the first node: refused there, before any probe
    const list = join(dir, 'wide.txt');
    writeFileSync(list, '127.0.0.0/8\n126.0.0.0/8\n');
    expectRefusal(await runIn(ns, ['scan', '-iL', list, '-p', '1', '--profile', 'ports', '-Pn']), /33,554,432 addresses/);
    expect(tcpPacketsSeen(ns)).toBe(0);
  });

  it('accepts exactly a /8, and a /7 with --allow-large-scan, counting without sending (--dry-run)', async () => {
    const slash8 = await runIn(ns, ['scan', '127.0.0.0/8', '-p', '1', '--dry-run']);
    expect(slash8.code, slash8.stderr).toBe(0);
    expect(slash8.stdout).toBe('');
    expect(slash8.stderr).toMatch(/^wasmap: 16777216 hosts, 0 ports probed/m);
    const slash7 = await runIn(ns, ['scan', '127.0.0.0/7', '-p', '1', '--dry-run', '--allow-large-scan']);
    expect(slash7.code, slash7.stderr).toBe(0);
    expect(slash7.stderr).toMatch(/^wasmap: 33554432 hosts, 0 ports probed/m);
    expect(tcpPacketsSeen(ns)).toBe(0);
  });

  it('takes a lower or higher limit from --max-targets', async () => {
    expectRefusal(await runIn(ns, ['scan', '127.0.0.0/23', '-p', '1', '--max-targets', '256', '--dry-run']), /512 addresses, more than 256:/);
    const ok = await runIn(ns, ['scan', '127.0.0.0/7', '-p', '1', '--max-targets', '33554432', '--dry-run']);
    expect(ok.code, ok.stderr).toBe(0);
    expectRefusal(await runIn(ns, ['scan', '127.0.0.1', '--max-targets', '0']), /--max-targets/);
    // a dry run runs the targets node alone: a plugin would have nothing to run on
    expectRefusal(await runIn(ns, ['scan', '127.0.0.1', '--dry-run', '--plugin', 'x.wasm']), /--dry-run loads no plugins/);
  });

  it('says in one line how many reserved addresses it left out, and per block with -v', async () => {
    const r = await runIn(ns, ['scan', '0.0.0.0/6', '223.255.255.0-224.0.0.255', '-p', '1', '--dry-run', '--allow-large-scan']);
    expect(r.code, r.stderr).toBe(0);
    const notes = r.stderr.split('\n').filter((l) => /left out/.test(l));
    expect(notes).toEqual(['wasmap: warning: left out 16,777,472 reserved addresses (0.0.0.0/8, 224.0.0.0/4) of the target ranges; name a block on its own to scan it']);
    expect(r.stderr).toMatch(/^wasmap: 50331904 hosts/m);
    const v = await runIn(ns, ['scan', '0.0.0.0/6', '223.255.255.0-224.0.0.255', '-p', '1', '--dry-run', '--allow-large-scan', '-v']);
    expect(v.stderr).toMatch(/left out 16,777,216 of 0\.0\.0\.0\/8: "this network"/);
    expect(v.stderr).toMatch(/left out 256 of 224\.0\.0\.0\/4: multicast/);
  });

  it('still takes reserved addresses the user named, without a note', async () => {
    const r = await runIn(ns, ['scan', '255.255.255.255', '224.0.0.1', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/left out/);
    expect(r.stderr).toMatch(/^wasmap: 2 hosts/m);
  });
});
