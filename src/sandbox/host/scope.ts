import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { canonicalIp } from '../../targets/ip.js';

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
