import { describe, it, expect } from 'vitest';
import { parsePorts, topPorts, mergePortSets } from '../src/targets/ports.js';
import { TOP_TCP_PORTS, TOP_UDP_PORTS } from '../src/targets/top-ports-table.js';
import { UsageError } from '../src/errors.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).code).toBe('WASMAP_USAGE');
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parsePorts', () => {
  it('reads a comma list as sorted unique TCP ports', () => {
    expect(parsePorts('443,22,80,22')).toEqual({ tcp: [22, 80, 443], udp: [] });
  });

  it('tolerates whitespace around commas', () => {
    expect(parsePorts(' 22 , 80,\t443 ')).toEqual({ tcp: [22, 80, 443], udp: [] });
  });

  it('expands a closed range', () => {
    const p = parsePorts('1-1024');
    expect(p.tcp).toHaveLength(1024);
    expect(p.tcp[0]).toBe(1);
    expect(p.tcp[1023]).toBe(1024);
  });

  it('reads a lone dash as every port from 1 to 65535', () => {
    const p = parsePorts('-');
    expect(p.tcp).toHaveLength(65535);
    expect(p.tcp[0]).toBe(1);
    expect(p.tcp[65534]).toBe(65535);
    expect(p.udp).toEqual([]);
  });

  it('reads open-ended ranges from 1 and up to 65535', () => {
    expect(parsePorts('-3').tcp).toEqual([1, 2, 3]);
    expect(parsePorts('65533-').tcp).toEqual([65533, 65534, 65535]);
  });

  it('switches protocol at each T: or U: prefix until the next one', () => {
    expect(parsePorts('T:80,443,U:53,161')).toEqual({ tcp: [80, 443], udp: [53, 161] });
    expect(parsePorts('22,U:53,T:25-26,U: 161')).toEqual({ tcp: [22, 25, 26], udp: [53, 161] });
  });

  it('merges overlapping ranges and single ports', () => {
    expect(parsePorts('5-8,7,1-6').tcp).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('names the bad part in every error', () => {
    expect(usageMessage(() => parsePorts('90-80'))).toBe("invalid port range '90-80': start is above end");
    expect(usageMessage(() => parsePorts('22,70000'))).toBe("invalid port '70000': must be 1-65535");
    expect(usageMessage(() => parsePorts('0'))).toBe("invalid port '0': must be 1-65535");
    expect(usageMessage(() => parsePorts('0-10'))).toBe("invalid port '0': must be 1-65535");
    expect(usageMessage(() => parsePorts('abc'))).toBe("invalid port specification 'abc'");
    expect(usageMessage(() => parsePorts('80,http'))).toBe("invalid port specification 'http'");
    expect(usageMessage(() => parsePorts('1-2-3'))).toBe("invalid port specification '1-2-3'");
    expect(usageMessage(() => parsePorts('S:80'))).toBe("invalid port specification 'S:80'");
    expect(usageMessage(() => parsePorts(''))).toBe('empty port specification');
    expect(usageMessage(() => parsePorts('  '))).toBe('empty port specification');
    expect(usageMessage(() => parsePorts('80,,443'))).toBe("invalid port specification '80,,443': empty item");
    expect(usageMessage(() => parsePorts('U:'))).toBe("invalid port specification 'U:': no port after the prefix");
  });

  it('keeps every error on one line', () => {
    for (const bad of ['90-80', '99999999999', 'x', '', 'T:,1']) {
      expect(usageMessage(() => parsePorts(bad))).not.toContain('\n');
    }
  });
});

describe('mergePortSets', () => {
  it('unions each protocol and keeps the lists sorted and unique', () => {
    const m = mergePortSets({ tcp: [22, 80], udp: [53] }, { tcp: [21, 80, 443], udp: [53, 161] });
    expect(m).toEqual({ tcp: [21, 22, 80, 443], udp: [53, 161] });
  });
});

describe('topPorts', () => {
  it('bundles 1000 distinct TCP ports and 100 distinct UDP ports, all valid', () => {
    expect(TOP_TCP_PORTS).toHaveLength(1000);
    expect(new Set(TOP_TCP_PORTS).size).toBe(1000);
    expect(TOP_UDP_PORTS).toHaveLength(100);
    expect(new Set(TOP_UDP_PORTS).size).toBe(100);
    for (const p of [...TOP_TCP_PORTS, ...TOP_UDP_PORTS]) {
      expect(Number.isInteger(p) && p >= 1 && p <= 65535, `port ${p}`).toBe(true);
    }
  });

  it('puts web and ssh first among TCP ports and DNS first among UDP ports', () => {
    expect(topPorts(5)).toEqual(expect.arrayContaining([80, 443, 22]));
    expect(topPorts(20)).toEqual(expect.arrayContaining([21, 25, 3389, 8080, 445, 3306]));
    expect(topPorts(3, 'udp')).toEqual(expect.arrayContaining([53, 123, 161]));
  });

  it('returns exactly n ports in table order', () => {
    expect(topPorts(100)).toHaveLength(100);
    expect(topPorts(100)).toEqual(TOP_TCP_PORTS.slice(0, 100));
    expect(topPorts(1)).toEqual([TOP_TCP_PORTS[0]]);
  });

  it('goes past the table with the remaining ports in ascending order, up to all of them', () => {
    const all = topPorts(65535);
    expect(all).toHaveLength(65535);
    expect(new Set(all).size).toBe(65535);
    expect(all.slice(0, 1000)).toEqual(TOP_TCP_PORTS);
    const rest = all.slice(1000);
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
    expect(topPorts(150, 'udp')).toHaveLength(150);
  });

  it('refuses counts outside 1-65535', () => {
    expect(usageMessage(() => topPorts(0))).toBe('--top-ports must be 1-65535, got 0');
    expect(usageMessage(() => topPorts(65536))).toBe('--top-ports must be 1-65535, got 65536');
    expect(usageMessage(() => topPorts(2.5))).toBe('--top-ports must be 1-65535, got 2.5');
  });

  it('hands out copies the caller may sort without harming the table', () => {
    const ports = topPorts(10);
    ports.sort((a, b) => a - b);
    expect(topPorts(10)).toEqual(TOP_TCP_PORTS.slice(0, 10));
  });
});
