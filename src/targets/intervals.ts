/**
 * Sorted, disjoint, inclusive bigint intervals: how target sets hold any
 * number of addresses without expanding them.
 */
export interface Interval {
  first: bigint;
  last: bigint;
}

/** Sorts and merges overlapping or touching intervals. */
export function unionIntervals(list: readonly Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: Interval[] = [];
  for (const iv of sorted) {
    const top = out[out.length - 1];
    if (top && iv.first <= top.last + 1n) {
      if (iv.last > top.last) top.last = iv.last;
    } else {
      out.push({ first: iv.first, last: iv.last });
    }
  }
  return out;
}

/** `a` minus `b`; both must already be normalised by `unionIntervals`. */
export function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const iv of a) {
    let first = iv.first;
    const last = iv.last;
    while (j < b.length && b[j]!.last < first) j++;
    let k = j;
    while (first <= last) {
      const cut = b[k];
      if (!cut || cut.first > last) {
        out.push({ first, last });
        break;
      }
      if (cut.first > first) out.push({ first, last: cut.first - 1n });
      first = cut.last + 1n;
      k++;
    }
  }
  return out;
}

export function countIntervals(list: readonly Interval[]): bigint {
  let n = 0n;
  for (const iv of list) n += iv.last - iv.first + 1n;
  return n;
}

/** Whether `value` falls in one of the normalised intervals (binary search). */
export function intervalsContain(list: readonly Interval[], value: bigint): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const iv = list[mid]!;
    if (value < iv.first) hi = mid - 1;
    else if (value > iv.last) lo = mid + 1;
    else return true;
  }
  return false;
}

/** How many addresses of the normalised intervals fall in [first, last]. */
export function countWithin(list: readonly Interval[], first: bigint, last: bigint): bigint {
  let n = 0n;
  for (const iv of list) {
    const a = iv.first > first ? iv.first : first;
    const b = iv.last < last ? iv.last : last;
    if (a <= b) n += b - a + 1n;
  }
  return n;
}
