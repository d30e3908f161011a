/**
 * How many addresses a scan may cover before the user must say they mean it,
 * and the words for what was left out. Shared by the flag check (before
 * anything loads) and target_expansion (after names and lists are read), so
 * both refuse with the same line.
 */
import { WasmapError } from '../errors.js';
import type { LeftOut } from './target-set.js';

/** A /8 of IPv4, or a /104 of IPv6: 16,777,216 addresses. */
export const DEFAULT_MAX_TARGETS = 2 ** 24;

export function formatCount(n: bigint | number): string {
  return n.toLocaleString('en-US');
}

/** Refuses `count` addresses above `limit`; no limit = the user passed --allow-large-scan. */
export function checkTargetLimit(count: bigint, limit: number | undefined): void {
  if (limit === undefined || count <= BigInt(limit)) return;
  const size = limit === DEFAULT_MAX_TARGETS ? ' (a /8)' : '';
  throw new WasmapError(
    'WASMAP_TARGET_TOO_LARGE',
    `targets are ${formatCount(count)} addresses, more than ${formatCount(limit)}${size}: ` +
      'pass --allow-large-scan if you mean it, or --max-targets N (DAG: allow_large_scan, max_targets)',
  );
}

/** The one stderr line about reserved addresses left out, and the -v detail per block. */
export function leftOutLines(leftOut: readonly LeftOut[]): { line: string; details: string[] } | undefined {
  if (leftOut.length === 0) return undefined;
  const total = leftOut.reduce((n, l) => n + l.count, 0n);
  return {
    line: `left out ${formatCount(total)} reserved address${total === 1n ? '' : 'es'} (${leftOut.map((l) => l.block.cidr).join(', ')}) of the target ranges; name a block on its own to scan it`,
    details: leftOut.map((l) => `left out ${formatCount(l.count)} of ${l.block.cidr}: ${l.block.what}`),
  };
}
