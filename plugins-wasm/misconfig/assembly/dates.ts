// Certificate dates as ms since the epoch, from whichever form a TLS plugin
// reports: a number (seconds or ms), ISO 8601 ("2027-11-23T20:00:00Z"),
// ASN.1 Generalized/UTCTime ("20271123200000Z", "271123200000Z") or
// OpenSSL's text ("Nov 23 20:00:00 2027 GMT"). -1 = not a date we know.
import { Value } from "@wasmap/sdk-assemblyscript";

const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  const yy = m <= 2 ? y - 1 : y;
  const era = (yy >= 0 ? yy : yy - 399) / 400;
  const yoe = yy - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** `n` decimal digits at `at`, or -1. */
function digits(s: string, at: i32, n: i32): i64 {
  if (at < 0 || at + n > s.length) return -1;
  let v: i64 = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(at + i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + <i64>(c - 0x30);
  }
  return v;
}

function compose(y: i64, mo: i64, d: i64, h: i64, mi: i64, se: i64): i64 {
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return -1;
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + se * 1000;
}

/** "+hh:mm" / "-hhmm" / "Z" / "" at `at`: the offset in ms to subtract, or i64.MIN_VALUE when malformed. */
function zone(s: string, at: i32): i64 {
  if (at >= s.length) return 0;
  const c = s.charCodeAt(at);
  if (c == 0x5a && at + 1 == s.length) return 0; // Z
  if (c != 0x2b && c != 0x2d) return i64.MIN_VALUE;
  const h = digits(s, at + 1, 2);
  const m = digits(s, at + (s.charCodeAt(at + 3) == 0x3a ? 4 : 3), 2);
  if (h < 0 || m < 0) return i64.MIN_VALUE;
  const off = (h * 60 + m) * 60000;
  return c == 0x2b ? off : -off;
}

function iso(s: string): i64 {
  // YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][zone]
  if (s.length < 10 || s.charCodeAt(4) != 0x2d || s.charCodeAt(7) != 0x2d) return -1;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  let h: i64 = 0, mi: i64 = 0, se: i64 = 0;
  let i = 10;
  if (i < s.length && (s.charCodeAt(i) == 0x54 || s.charCodeAt(i) == 0x20)) {
    h = digits(s, i + 1, 2);
    mi = digits(s, i + 4, 2);
    if (s.charCodeAt(i + 3) != 0x3a) return -1;
    i += 6;
    if (i < s.length && s.charCodeAt(i) == 0x3a) { se = digits(s, i + 1, 2); i += 3; }
    if (i < s.length && s.charCodeAt(i) == 0x2e) { i++; while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++; }
  }
  const t = compose(y, mo, d, h, mi, se);
  const z = zone(s, i);
  return t < 0 || z == i64.MIN_VALUE ? -1 : t - z;
}

function asn1(s: string): i64 {
  if (s.charCodeAt(s.length - 1) != 0x5a) return -1;
  let y: i64;
  let i: i32;
  if (s.length == 15) { y = digits(s, 0, 4); i = 4; }
  else if (s.length == 13) { const yy = digits(s, 0, 2); y = yy < 0 ? -1 : yy < 50 ? 2000 + yy : 1900 + yy; i = 2; } // RFC 5280 §4.1.2.5.1
  else return -1;
  return compose(y, digits(s, i, 2), digits(s, i + 2, 2), digits(s, i + 4, 2), digits(s, i + 6, 2), digits(s, i + 8, 2));
}

function openssl(s: string): i64 {
  // "Nov 23 20:00:00 2027 GMT" (day space-padded: "Nov  3 …")
  if (s.length < 20) return -1;
  const m = MONTHS.indexOf(s.substring(0, 3));
  if (m < 0 || m % 3 != 0 || s.charCodeAt(3) != 0x20) return -1;
  let i = 4;
  if (s.charCodeAt(i) == 0x20) i++;
  let d = digits(s, i, 2);
  if (d < 0) { d = digits(s, i, 1); i += 1; } else i += 2;
  if (s.charCodeAt(i) != 0x20 || s.charCodeAt(i + 3) != 0x3a || s.charCodeAt(i + 6) != 0x3a || s.charCodeAt(i + 9) != 0x20) return -1;
  const rest = s.substring(i + 14);
  if (rest.length > 0 && rest != " GMT" && rest != " UTC") return -1;
  return compose(digits(s, i + 10, 4), <i64>(m / 3 + 1), d, digits(s, i + 1, 2), digits(s, i + 4, 2), digits(s, i + 7, 2));
}

export function parseDateString(raw: string): i64 {
  const s = raw.trim();
  if (s.length == 0 || s.length > 64) return -1;
  const a = iso(s);
  if (a >= 0) return a;
  const b = asn1(s);
  if (b >= 0) return b;
  return openssl(s);
}

export function dateMs(v: Value | null): i64 {
  if (v === null) return -1;
  if (v.isNumber) {
    const f = v.asFloat();
    if (!(f > 0) || f > 1e15) return -1;
    return f < 1e11 ? <i64>(f * 1000) : <i64>f; // seconds until the year 5138, else ms
  }
  return v.isString ? parseDateString(v.asString()) : -1;
}

/** "2027-11-23T20:00:00Z" for evidence. */
export function isoOf(ms: i64): string {
  let days = ms / 86400000;
  let rest = ms % 86400000;
  if (rest < 0) { rest += 86400000; days--; }
  // civil_from_days
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const sec = rest / 1000;
  return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(sec / 3600, 2) + ":" + pad((sec / 60) % 60, 2) + ":" + pad(sec % 60, 2) + "Z";
}

function pad(n: i64, w: i32): string {
  let s = n.toString();
  while (s.length < w) s = "0" + s;
  return s;
}
