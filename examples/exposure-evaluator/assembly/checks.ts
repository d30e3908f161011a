// One function per exposure; each returns a finding or null for one port.
import { Finding, SEVERITY_HIGH, SEVERITY_MEDIUM, firstLine } from "@wasmap/sdk-assemblyscript";
import { PortView } from "./host-view";
import { compareVersions } from "./version";

function lineWith(s: string, key: string): string {
  const at = s.indexOf(key);
  return at < 0 ? "" : firstLine(s.substring(at));
}

/** Telnet sends everything, passwords included, in clear text. */
export function telnetExposed(p: PortView): Finding | null {
  const iac = p.banner.length >= 3 && p.banner.charCodeAt(0) == 0xff && p.banner.charCodeAt(1) >= 0xfb;
  if (p.service != "telnet" && !iac && !(p.port == 23 && p.service.length == 0)) return null;
  const f = new Finding("telnet-exposed", "Telnet service exposed", SEVERITY_HIGH);
  f.evidence = "port " + p.port.toString() + (iac ? ": telnet option negotiation in the banner" : ": service " + (p.service.length > 0 ? p.service : "on the telnet port"));
  return f;
}

/** Redis answered INFO (or PING) without AUTH: anyone can read and write it. */
export function redisNoAuth(p: PortView): Finding | null {
  if (p.service != "redis" && !p.banner.includes("redis_version:")) return null;
  let proof = lineWith(p.banner, "redis_version:");
  if (proof.length == 0 && firstLine(p.banner) == "+PONG") proof = "+PONG";
  if (proof.length == 0) return null; // -NOAUTH, -DENIED or no reply we can judge
  const f = new Finding("redis-no-auth", "Redis reachable without authentication", SEVERITY_HIGH);
  f.evidence = "port " + p.port.toString() + " answered without AUTH: " + proof;
  return f;
}

/** memcached's text protocol has no authentication at all. */
export function memcachedNoAuth(p: PortView): Finding | null {
  const answered = p.banner.startsWith("VERSION ") || p.banner.startsWith("STAT ");
  if (p.service != "memcached" && !answered) return null;
  if (!answered) return null;
  const f = new Finding("memcached-no-auth", "memcached reachable without authentication", SEVERITY_HIGH);
  f.evidence = "port " + p.port.toString() + " answered: " + firstLine(p.banner);
  return f;
}

/** OpenSSH older than `minimum`; 8.5p1 ≤ v < 9.8p1 is CVE-2024-6387 (regreSSHion). */
export function oldOpenSsh(p: PortView, minimum: string): Finding | null {
  if (p.product != "OpenSSH" || p.version.length == 0) return null;
  if (compareVersions(p.version, minimum) >= 0) return null;
  const f = new Finding("openssh-outdated", "OpenSSH " + p.version + " is older than " + minimum, SEVERITY_MEDIUM);
  if (compareVersions(p.version, "8.5p1") >= 0 && compareVersions(p.version, "9.8p1") < 0) f.cve.push("CVE-2024-6387");
  f.evidence = "port " + p.port.toString() + ": OpenSSH " + p.version + (p.extrainfo.length > 0 ? " (" + p.extrainfo + "; distributions backport fixes, check the package)" : "");
  return f;
}
