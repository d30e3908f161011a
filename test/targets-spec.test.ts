// Parsing only: none of these addresses is ever contacted.
import { describe, it, expect } from 'vitest';
import { parseIp, formatIp, formatIPv6, tryParseIp } from '../src/targets/ip.js';
import { parseTargetSpec, specSize, isHostname, type TargetSpec } from '../src/targets/target-spec.js';
import { UsageError } from '../src/errors.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

/** A spec's interval as text, for readable expectations. */
function span(spec: TargetSpec): [string, string] {
  if (spec.kind !== 'addresses') throw new Error(`not an address spec: ${spec.text}`);
  return [formatIp(spec.first, spec.family), formatIp(spec.last, spec.family)];
}

describe('IP addresses', () => {
  it('reads IPv4 dotted quads to integers and back', () => {
    expect(parseIp('127.0.0.1')).toEqual({ family: 4, value: 0x7f000001n });
    expect(parseIp('0.0.0.0').value).toBe(0n);
    expect(parseIp('255.255.255.255').value).toBe(0xffffffffn);
    expect(formatIp(0x7f0a0b0cn, 4)).toBe('127.10.11.12');
  });

  it('refuses malformed IPv4 with the reason', () => {
    expect(tryParseIp('127.0.0.300')).toEqual({ ok: false, reason: 'octet 300 out of range' });
    expect(tryParseIp('127.0.1')).toEqual({ ok: false, reason: 'expected 4 octets, found 3' });
    expect(tryParseIp('127.0.0.01')).toEqual({ ok: false, reason: "octet '01' has a leading zero" });
    expect(tryParseIp('127..0.1')).toEqual({ ok: false, reason: 'empty octet' });
    expect(tryParseIp('127.0.0.1000')).toEqual({ ok: false, reason: 'octet 1000 out of range' });
  });

  it('reads every IPv6 spelling, including :: compression and an IPv4 tail', () => {
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('::').value).toBe(0n);
    expect(parseIp('0:0:0:0:0:0:0:1').value).toBe(1n);
    expect(parseIp('FD00::ABCD').value).toBe((0xfd00n << 112n) | 0xabcdn);
    expect(parseIp('fd00:1:2:3:4:5:6::').value).toBe(parseIp('fd00:1:2:3:4:5:6:0').value);
    expect(parseIp('::ffff:127.0.0.1').value).toBe((0xffffn << 32n) | 0x7f000001n);
    expect(parseIp('fd00::127.0.0.1').value).toBe((0xfd00n << 112n) | 0x7f000001n);
  });

  it('refuses malformed IPv6 and zone ids with the reason', () => {
    expect(tryParseIp('fe80::1%eth0')).toEqual({ ok: false, reason: "zone ids are not supported ('%eth0')" });
    expect(tryParseIp('1::2::3')).toEqual({ ok: false, reason: "'::' may appear only once" });
    expect(tryParseIp('1:2:3:4:5:6:7')).toEqual({ ok: false, reason: 'expected 8 groups, found 7' });
    expect(tryParseIp('1:2:3:4:5:6:7:8:9')).toEqual({ ok: false, reason: 'expected 8 groups, found 9' });
    expect(tryParseIp('1:2:3:4::5:6:7:8')).toEqual({ ok: false, reason: "too many groups for '::'" });
    expect(tryParseIp('12345::')).toEqual({ ok: false, reason: "group '12345' is not 1-4 hex digits" });
    expect(tryParseIp('::127.0.0.1:1')).toEqual({ ok: false, reason: 'an embedded IPv4 address must come last' });
    expect(tryParseIp('::ffff:127.0.0.256')).toEqual({ ok: false, reason: "embedded IPv4 '127.0.0.256': octet 256 out of range" });
  });

  it('prints IPv6 in RFC 5952 canonical form', () => {
    const canon = (s: string): string => formatIPv6(parseIp(s).value);
    expect(canon('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canon('0:0:0:0:0:0:0:0')).toBe('::');
    expect(canon('FD00:0000:0000:0000:0000:0000:0000:0001')).toBe('fd00::1');
    // A lone zero group is not compressed; of two equal runs the first is.
    expect(canon('fd00:0:1:1:1:1:1:1')).toBe('fd00:0:1:1:1:1:1:1');
    expect(canon('fd00:0:0:1:0:0:1:1')).toBe('fd00::1:0:0:1:1');
    // The longest run wins over an earlier shorter one.
    expect(canon('fd00:0:0:1:0:0:0:1')).toBe('fd00:0:0:1::1');
    expect(canon('fd00:00ab:0:0:0:0:0:0')).toBe('fd00:ab::');
    expect(canon('::ffff:7f00:1')).toBe('::ffff:127.0.0.1');
    expect(canon('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
  });

  it('round-trips a spread of IPv6 values through text', () => {
    let v = 0x0123456789abcdefn;
    for (let i = 0; i < 500; i++) {
      v = (v * 6364136223846793005n + 1442695040888963407n) & ((1n << 128n) - 1n);
      // Zero out random groups so that :: runs of every length show up.
      let x = v;
      for (let g = 0; g < 8; g++) if ((v >> BigInt(g * 7)) & 1n) x &= ~(0xffffn << BigInt(g * 16));
      expect(parseIp(formatIPv6(x)).value).toBe(x);
    }
  });
});

describe('target specs', () => {
  it('reads a single address of either family', () => {
    expect(span(parseTargetSpec('127.0.0.1'))).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(span(parseTargetSpec('::1'))).toEqual(['::1', '::1']);
    expect(parseTargetSpec(' 127.0.0.1 ')).toMatchObject({ kind: 'addresses', form: 'address', family: 4 });
  });

  it('reads CIDR blocks of both families and normalises host bits to the network', () => {
    expect(span(parseTargetSpec('127.0.0.0/24'))).toEqual(['127.0.0.0', '127.0.0.255']);
    expect(span(parseTargetSpec('127.0.0.77/24'))).toEqual(['127.0.0.0', '127.0.0.255']);
    expect(span(parseTargetSpec('127.0.0.1/32'))).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(span(parseTargetSpec('0.0.0.0/0'))).toEqual(['0.0.0.0', '255.255.255.255']);
    expect(span(parseTargetSpec('fd00::/120'))).toEqual(['fd00::', 'fd00::ff']);
    expect(span(parseTargetSpec('fd00::1234/120'))).toEqual(['fd00::1200', 'fd00::12ff']);
    expect(specSize(parseTargetSpec('::/64'))).toBe(2n ** 64n);
    expect(specSize(parseTargetSpec('::/0'))).toBe(2n ** 128n);
  });

  it('reads dash ranges: last octet, full IPv4, full IPv6 and last IPv6 group', () => {
    expect(span(parseTargetSpec('127.0.0.1-20'))).toEqual(['127.0.0.1', '127.0.0.20']);
    expect(span(parseTargetSpec('127.0.0.1-127.0.1.5'))).toEqual(['127.0.0.1', '127.0.1.5']);
    expect(specSize(parseTargetSpec('127.0.0.1-127.0.1.5'))).toBe(261n);
    expect(span(parseTargetSpec('::1-::5'))).toEqual(['::1', '::5']);
    expect(span(parseTargetSpec('fd00::10-1f'))).toEqual(['fd00::10', 'fd00::1f']);
    expect(parseTargetSpec('127.0.0.5-5')).toMatchObject({ form: 'range' });
  });

  it('keeps hostnames verbatim for later resolution', () => {
    expect(parseTargetSpec('localhost')).toEqual({ kind: 'hostname', name: 'localhost', text: 'localhost' });
    expect(parseTargetSpec('my-host.example.invalid.')).toMatchObject({ kind: 'hostname', name: 'my-host.example.invalid.' });
    expect(parseTargetSpec('Web-01.Intranet')).toMatchObject({ kind: 'hostname', name: 'Web-01.Intranet' });
  });

  it('applies RFC 1123 label rules to hostnames', () => {
    expect(isHostname('a')).toBe(true);
    expect(isHostname('3com.invalid')).toBe(true);
    expect(isHostname(`${'a'.repeat(63)}.invalid`)).toBe(true);
    expect(isHostname(`${'a'.repeat(64)}.invalid`)).toBe(false);
    expect(isHostname(Array(64).fill('abc').join('.'))).toBe(false); // 255 characters
    expect(isHostname('-x')).toBe(false);
    expect(isHostname('x-')).toBe(false);
    expect(isHostname('a..b')).toBe(false);
    expect(isHostname('under_score')).toBe(false);
    expect(isHostname('host.123')).toBe(false);
  });

  it('names the input in every error', () => {
    expect(usageMessage(() => parseTargetSpec('127.0.0.300'))).toBe("invalid target '127.0.0.300': octet 300 out of range");
    expect(usageMessage(() => parseTargetSpec('1.2.3.4.5'))).toBe("invalid target '1.2.3.4.5': expected 4 octets, found 5");
    expect(usageMessage(() => parseTargetSpec('127.0.0.0/33'))).toBe("invalid CIDR prefix '/33' in '127.0.0.0/33'");
    expect(usageMessage(() => parseTargetSpec('fd00::/129'))).toBe("invalid CIDR prefix '/129' in 'fd00::/129'");
    expect(usageMessage(() => parseTargetSpec('127.0.0.0/'))).toBe("invalid CIDR prefix '/' in '127.0.0.0/'");
    expect(usageMessage(() => parseTargetSpec('127.0.0.0/x'))).toBe("invalid CIDR prefix '/x' in '127.0.0.0/x'");
    expect(usageMessage(() => parseTargetSpec('127.0.0.9-3'))).toBe("invalid range '127.0.0.9-3': start is above end");
    expect(usageMessage(() => parseTargetSpec('::5-::1'))).toBe("invalid range '::5-::1': start is above end");
    expect(usageMessage(() => parseTargetSpec('127.0.0.1-300'))).toBe("invalid range '127.0.0.1-300': octet 300 out of range");
    expect(usageMessage(() => parseTargetSpec('127.0.0.1-::1'))).toBe("invalid range '127.0.0.1-::1': the two ends are of different families");
    expect(usageMessage(() => parseTargetSpec('-x'))).toBe("invalid target '-x': not an address, range, CIDR or hostname");
    expect(usageMessage(() => parseTargetSpec('fe80::1%eth0'))).toBe("invalid target 'fe80::1%eth0': zone ids are not supported ('%eth0')");
    expect(usageMessage(() => parseTargetSpec('localhost/24'))).toBe("invalid target 'localhost/24': a CIDR block needs an address before the '/'");
    expect(usageMessage(() => parseTargetSpec(''))).toBe('invalid target: empty');
  });
});
