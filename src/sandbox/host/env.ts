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
 */
export async function resolveInScope(ctx: CallContext, host: string, port: number): Promise<{ ip: string; family: 4 | 6 } | number> {
  const caps = ctx.manifest.capabilities;
  if (!caps.includes('network') && !caps.includes('network:any')) {
    ctx.denied++;
    return E.DENIED;
  }
  let ips: { address: string; family: number }[];
  const fam = isIP(host);
  if (fam) ips = [{ address: host, family: fam }];
  else {
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
  ctx.denied++;
  return E.DENIED;
}

/** Races a wait against the invocation's wall time (which ends the invocation). */
export function withWall<T>(ctx: CallContext, p: Promise<T>): Promise<T> {
  return Promise.race([p, ctx.wall()]);
}
