import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { CallContext } from '../call-context.js';
import { E } from '../errno.js';

/** What host functions see: the current invocation of their instance. */
export interface HostEnv {
  ctx(): CallContext;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A UTF-8 string argument, or undefined when out of bounds, too long or not UTF-8. */
export function readString(ctx: CallContext, ptr: number, len: number, max = 1024): string | undefined {
  if (len < 0 || len > max) return undefined;
  const v = ctx.view(ptr, len);
  if (!v) return undefined;
  try {
    return utf8.decode(v);
  } catch {
    return undefined;
  }
}

/**
 * Resolves `host` (IP literal or name) and returns the first address inside
 * the invocation's scope, or an ABI error code: -2 when the plugin lacks the
 * capability or every address is out of scope (counted as denied), -8 when
 * the name does not resolve. Checking the resolved address, and connecting to
 * that address, leaves no room for DNS rebinding.
 *
 * Scope is decided before any resolution: a DNS query is itself traffic a
 * plugin could use to leak data. A name is looked up only when the plugin
 * holds `dns`, or the name is the invocation's own target hostname, or (with
 * `network:any`) one the user granted with --allow-net.
 */
export async function resolveInScope(ctx: CallContext, call: string, host: string, port: number): Promise<{ ip: string; family: 4 | 6 } | number> {
  const caps = ctx.manifest.capabilities;
  const any = caps.includes('network:any');
  const shown = host.length > 64 ? `${host.slice(0, 64)}…` : host;
  if (!caps.includes('network') && !any) return ctx.deny(`${call} needs capability "network" (add it to plugin.toml capabilities)`);
  if (!ctx.target && !(any && ctx.scope.grantsSomething()))
    return ctx.deny(`${call} to ${shown}: nothing is in scope for an invocation without a target (${ctx.manifest.kind} plugin)`);
  let ips: { address: string; family: number }[];
  const fam = isIP(host);
  if (fam) ips = [{ address: host, family: fam }];
  else {
    const own = ctx.target?.hostname !== undefined && sameName(ctx.target.hostname, host);
    if (!own && !caps.includes('dns') && !(any && ctx.scope.grantsName(host)))
      return ctx.deny(`${call} to ${shown}: looking up a name needs capability "dns" (or connect to the target's address)`);
    try {
      ips = await lookup(host, { all: true });
    } catch {
      return E.UNREACH;
    }
    if (ips.length === 0) return E.UNREACH;
  }
  for (const a of ips) {
    if (await ctx.scope.allows(caps, ctx.target?.ip, a.address, port)) return { ip: a.address, family: a.family === 6 ? 6 : 4 };
  }
  const reach = ctx.target ? `only the target ${ctx.target.ip}${any ? ' and the --allow-net grants are' : ' is'} in scope` : 'only the --allow-net grants are in scope';
  return ctx.deny(`${call} to ${shown} (${ips.map((a) => a.address).join(', ')}) port ${port}: ${reach}`);
}

/** DNS names compare case-insensitively, with or without the root's trailing dot. */
export function sameName(a: string, b: string): boolean {
  const n = (s: string): string => s.toLowerCase().replace(/\.$/, '');
  return n(a) === n(b);
}

/** Races a wait against the invocation's wall time (which ends the invocation). */
export function withWall<T>(ctx: CallContext, p: Promise<T>): Promise<T> {
  return Promise.race([p, ctx.wall()]);
}
