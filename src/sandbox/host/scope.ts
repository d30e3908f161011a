import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * ABI §6 network scope, checked on resolved addresses only: `network` grants
 * the invocation's target IP (any port); `network:any` adds the endpoints the
 * user granted with allowNet (`HOST[:PORT]`). Hostnames in allowNet are
 * resolved once per worker.
 */

export interface AllowEntry {
  host: string;
  port?: number;
}

/** Parses `HOST[:PORT]`, `[V6]:PORT` or a bare IPv6 address. */
export function parseAllowNet(spec: string): AllowEntry {
  const s = spec.trim();
  let host = s;
  let port: number | undefined;
  const br = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (br) {
    host = br[1]!;
    if (br[2]) port = Number(br[2]);
  } else if (isIP(s) !== 6) {
    const i = s.lastIndexOf(':');
    if (i >= 0) {
      host = s.slice(0, i);
      port = Number(s.slice(i + 1));
    }
  }
  if (!host || /[\s/]/.test(host) || (host.includes(':') && isIP(host) !== 6) || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)))
    throw new TypeError(`invalid allow-net entry "${spec}" (expected HOST[:PORT])`);
  return port === undefined ? { host } : { host, port };
}

/**
 * Canonical text of an IP so equal addresses compare equal (IPv4-mapped →
 * IPv4). A zone id (`fe80::1%eth0`) is kept: the same link-local address on
 * another interface is another host.
 */
export function canonicalIp(ip: string): string {
  const v = isIP(ip);
  if (v === 4) return ip;
  if (v !== 6) return ip.toLowerCase();
  const pct = ip.indexOf('%');
  const zone = pct >= 0 ? ip.slice(pct) : ''; // interface names are case-sensitive
  let s = (pct >= 0 ? ip.slice(0, pct) : ip).toLowerCase();
  // expand an embedded IPv4 tail into two hex groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    s = s.slice(0, -v4[1]!.length) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const g = groups.map((x) => parseInt(x, 16));
  if (g.length === 8 && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  return g.map((x) => x.toString(16)).join(':') + zone;
}

export class Scope {
  #allow: Promise<{ ip: string; port?: number }[]> | undefined;
  constructor(private readonly allowNet: AllowEntry[]) {}

  #resolvedAllow(): Promise<{ ip: string; port?: number }[]> {
    this.#allow ??= Promise.all(
      this.allowNet.map(async (e) => {
        const ips = isIP(e.host) ? [e.host] : (await lookup(e.host, { all: true }).catch(() => [])).map((a) => a.address);
        return ips.map((ip) => ({ ip: canonicalIp(ip), port: e.port }));
      }),
    ).then((l) => l.flat());
    return this.#allow;
  }

  /** True when the user granted any endpoint (--allow-net). */
  grantsSomething(): boolean {
    return this.allowNet.length > 0;
  }

  /** True when `name` is a hostname the user granted with --allow-net. */
  grantsName(name: string): boolean {
    const n = name.toLowerCase().replace(/\.$/, '');
    return this.allowNet.some((e) => !isIP(e.host) && e.host.toLowerCase().replace(/\.$/, '') === n);
  }

  /** True when a plugin with `caps` may reach ip:port for an invocation on `targetIp`. */
  async allows(caps: readonly string[], targetIp: string | undefined, ip: string, port: number): Promise<boolean> {
    const c = canonicalIp(ip);
    const any = caps.includes('network:any');
    if ((caps.includes('network') || any) && targetIp !== undefined && canonicalIp(targetIp) === c) return true;
    if (!any) return false;
    return (await this.#resolvedAllow()).some((a) => a.ip === c && (a.port === undefined || a.port === port));
  }
}
