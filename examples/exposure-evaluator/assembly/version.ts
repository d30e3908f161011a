// OpenSSH-style version ordering: "9.2p1" → [9, 2, 1], "10.0" → [10, 0, 0].
// Numbers are compared left to right; the portable suffix pN counts last.

export function versionParts(v: string): Array<i32> {
  const out = new Array<i32>(0);
  let n = 0;
  let digits = 0;
  let patch = 0;
  let i = 0;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) { n = min(n * 10 + (c - 0x30), 1 << 20); digits++; continue; }
    if (digits > 0) out.push(n);
    n = 0;
    digits = 0;
    if (c != 0x2e) break; // anything but a dot ends the dotted part
  }
  if (digits > 0) out.push(n);
  while (out.length < 2) out.push(0);
  // "p1" right after the dotted part
  if (i < v.length && v.charCodeAt(i) == 0x70) {
    for (i++; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      patch = min(patch * 10 + (c - 0x30), 1 << 20);
    }
  }
  out.push(patch);
  return out;
}

/** <0, 0, >0 as `a` is older than, equal to, newer than `b`. */
export function compareVersions(a: string, b: string): i32 {
  const x = versionParts(a);
  const y = versionParts(b);
  // patch is last in each; align the dotted parts first
  const xd = x.length - 1;
  const yd = y.length - 1;
  const n = max(xd, yd);
  for (let i = 0; i < n; i++) {
    const p = i < xd ? x[i] : 0;
    const q = i < yd ? y[i] : 0;
    if (p != q) return p < q ? -1 : 1;
  }
  return x[xd] - y[yd];
}
