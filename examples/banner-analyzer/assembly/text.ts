// Small text helpers shared by the protocol matchers. Banners are handled as
// latin1 strings (one char per byte), so binary greetings never fail to decode.
import { Service } from "@wasmap/sdk-assemblyscript";

/** The whitespace-separated words of `s`. */
export function words(s: string): Array<string> {
  const out = new Array<string>(0);
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const space = i == s.length || s.charCodeAt(i) <= 0x20;
    if (space && start >= 0) { out.push(s.substring(start, i)); start = -1; }
    else if (!space && start < 0) start = i;
  }
  return out;
}

/** True for text that looks like a version: starts with a digit, then digits, letters, `.`, `-`, `_`, `+`, `~`. */
export function isVersion(s: string): bool {
  if (s.length == 0 || s.length > 40) return false;
  const c0 = s.charCodeAt(0);
  if (c0 < 0x30 || c0 > 0x39) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x2d || c == 0x5f || c == 0x2b || c == 0x7e;
    if (!ok) return false;
  }
  return true;
}

/** Leading digits-and-dots of `s` ("10.11.19-MariaDB" → "10.11.19"). */
export function numericPrefix(s: string): string {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || c == 0x2e)) break;
    i++;
  }
  return s.substring(0, i);
}

/** Printable ASCII only, at most `max` chars: banner text going into results. */
export function clean(s: string, max: i32 = 200): string {
  let out = "";
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
  }
  return out.trim();
}

/** A service with name, product, version, confidence and the application CPE (none without a vendor). */
export function service(name: string, product: string, version: string, confidence: f64, vendor: string, cpeProduct: string): Service {
  const s = Service.of(name, product, version, confidence);
  return vendor.length > 0 ? s.addCpe(vendor, cpeProduct) : s;
}

/** Adds the OS CPE a distribution tag in `extra` reveals (as nmap does). */
export function addOsCpe(s: Service, extra: string): void {
  const l = extra.toLowerCase();
  if (l.includes("debian") || l.includes("deb1")) s.cpe.push("cpe:/o:debian:debian_linux");
  else if (l.includes("ubuntu")) s.cpe.push("cpe:/o:canonical:ubuntu_linux");
  else if (l.includes("el8") || l.includes("el9") || l.includes("red hat")) s.cpe.push("cpe:/o:redhat:enterprise_linux");
}

/**
 * The version-looking word after `name` in `w` (case-insensitive), cut at
 * `/` or `;` ("Sendmail 8.15.2/8.15.2;" → "8.15.2"), or "".
 */
export function versionAfter(w: Array<string>, name: string): string {
  for (let i = 0; i + 1 < w.length; i++) {
    if (w[i].toLowerCase() != name) continue;
    const v = w[i + 1].split("/")[0].replaceAll(";", "");
    return isVersion(v) ? v : "";
  }
  return "";
}
