import { describe, expect, it } from 'vitest';
import { parseAllowNet, Scope } from '../../src/sandbox/host/scope.js';
import { canonicalIp } from '../../src/targets/ip.js';

describe('network scope', () => {
  it('compares addresses in canonical form', () => {
    expect(canonicalIp('::1')).toBe(canonicalIp('0:0:0:0:0:0:0:1'));
    expect(canonicalIp('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('::ffff:7f00:2')).toBe('127.0.0.2');
    expect(canonicalIp('fe80::1%lo')).toBe(canonicalIp('fe80:0::1%lo'));
    expect(canonicalIp('fe80::1%lo')).not.toBe(canonicalIp('fe80::1')); // a zone names another link
    expect(canonicalIp('::2')).not.toBe(canonicalIp('::1'));
  });

  it('parses allow-net entries', () => {
    expect(parseAllowNet('127.0.0.2')).toEqual({ host: '127.0.0.2' });
    expect(parseAllowNet('127.0.0.2:8080')).toEqual({ host: '127.0.0.2', port: 8080 });
    expect(parseAllowNet('localhost:22')).toEqual({ host: 'localhost', port: 22 });
    expect(parseAllowNet('::1')).toEqual({ host: '::1' });
    expect(parseAllowNet('[::1]:443')).toEqual({ host: '::1', port: 443 });
    expect(() => parseAllowNet('host:0')).toThrow(/invalid allow-net entry/);
    expect(() => parseAllowNet(':80')).toThrow(/invalid allow-net entry/);
  });

  it('grants the target to network, and allow-net endpoints only to network:any', async () => {
    const s = new Scope([parseAllowNet('127.0.0.5:80'), parseAllowNet('localhost')]);
    expect(await s.allows(['network'], '127.0.0.1', '::ffff:127.0.0.1', 1)).toBe(true);
    expect(await s.allows(['network'], '127.0.0.1', '127.0.0.5', 80)).toBe(false);
    expect(await s.allows(['network:any'], '127.0.0.1', '127.0.0.5', 80)).toBe(true);
    expect(await s.allows(['network:any'], '127.0.0.1', '127.0.0.5', 81)).toBe(false);
    expect(await s.allows(['network:any'], undefined, '127.0.0.1', 9)).toBe(true); // localhost, any port
    expect(await s.allows([], '127.0.0.1', '127.0.0.1', 1)).toBe(false);
    expect(await s.allows(['dns'], '127.0.0.1', '127.0.0.1', 1)).toBe(false);
  });
});
