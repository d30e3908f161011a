/** A TargetSet of individual hosts (e.g. the ones discovery found so far), names kept. */
import { TargetSet, type HostRef } from '../../targets/target-set.js';
import { parseIp } from '../../targets/ip.js';
import { unionIntervals, type Interval } from '../../targets/intervals.js';

export function targetSetOfHosts(hosts: readonly { ip: string; hostname?: string }[]): TargetSet {
  const v4: Interval[] = [];
  const v6: Interval[] = [];
  const names = new Map<string, string>();
  for (const h of hosts) {
    const a = parseIp(h.ip);
    (a.family === 4 ? v4 : v6).push({ first: a.value, last: a.value });
    if (h.hostname) names.set(h.ip, h.hostname);
  }
  return new TargetSet(unionIntervals(v4), unionIntervals(v6), names);
}

export type { HostRef };
