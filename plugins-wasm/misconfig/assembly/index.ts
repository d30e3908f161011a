// misconfig: an `evaluator` plugin, called once per host after the scan. It
// reads what the first-party plugins returned (context.plugin_results) and
// reports the misconfigurations their data proves; each finding's evidence
// names the plugin, port and field=value, and its `port`/`transport` are
// those of that result (A8). Output: `findings`, `data` {ip,
// results_checked, findings, skipped} and a `summary` counting severities.
import {
  Config, Finding, Input, MapWriter, nowMs, Output, register, registerInit,
  SEVERITY_CRITICAL, SEVERITY_HIGH, SEVERITY_INFO, SEVERITY_LOW, SEVERITY_MEDIUM,
} from "@wasmap/sdk-assemblyscript";
import { Result, hostIp, resultsOf } from "./results";
import {
  ftpAnonymous, ftpAnonymousListing, memcachedNoAuth, mqttNoAuth, mqttTopicsReadable, mysqlExposed,
  postgresTrust, redisNoAuth, smtpNoStarttls, telnetExposed,
} from "./service-checks";
import { rdpNoNla, rdpStandardSecurity } from "./rdp-checks";
import { dockerApiUnauthenticated } from "./docker-checks";
import { vncNoAuth, x11OpenAccess } from "./remote-display-checks";
import { ldapAnonymousBind, ldapAnonymousSearch } from "./ldap-checks";
import { smb1Enabled, smbAnonymousShares, smbSigningNotRequired } from "./smb-checks";
import { certExpired, certExpiring, certSelfSigned, sslv3, tlsLegacy, weakCiphers } from "./tls-checks";
import { compression, heartbeatExtension, insecureRenegotiation, noFallbackScsv, rc4Accepted, sweet32 } from "./vuln-checks";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

let skip = new Array<string>(0);
let warnDays: i64 = 30;

function init(config: Config): bool {
  skip = config.getStringList("skip");
  warnDays = config.getInt("expiry_warning_days", 30);
  return warnDays >= 0;
}

class Collector {
  out: Output = new Output();
  skipped: i32 = 0;
  /** id@port pairs already reported: two results of one plugin on a port give one finding. */
  seen: Array<string> = new Array<string>(0);

  add(f: Finding | null, r: Result): void {
    if (f === null) return;
    if (skip.includes(f.id)) { this.skipped++; return; }
    const key = f.id + "@" + r.port.toString() + "/" + r.transport;
    if (this.seen.includes(key)) return;
    this.seen.push(key);
    this.out.addFinding(f);
  }
}

function checkService(c: Collector, r: Result): void {
  const p = r.plugin;
  if (p == "redis") c.add(redisNoAuth(r), r);
  else if (p == "memcached") c.add(memcachedNoAuth(r), r);
  else if (p == "mqtt") { c.add(mqttNoAuth(r), r); c.add(mqttTopicsReadable(r), r); }
  else if (p == "ftp") { c.add(ftpAnonymous(r), r); c.add(ftpAnonymousListing(r), r); }
  else if (p == "telnet") c.add(telnetExposed(r), r);
  else if (p == "smtp") c.add(smtpNoStarttls(r), r);
  else if (p == "postgresql") c.add(postgresTrust(r), r);
  else if (p == "mysql") c.add(mysqlExposed(r), r);
  else if (p == "smb") { c.add(smb1Enabled(r), r); c.add(smbSigningNotRequired(r), r); c.add(smbAnonymousShares(r), r); }
  else if (p == "ldap") { c.add(ldapAnonymousBind(r), r); c.add(ldapAnonymousSearch(r), r); }
  else if (p == "vnc") c.add(vncNoAuth(r), r);
  else if (p == "x11") c.add(x11OpenAccess(r), r);
  else if (p == "docker") c.add(dockerApiUnauthenticated(r), r);
  else if (p == "rdp") { c.add(rdpNoNla(r), r); c.add(rdpStandardSecurity(r), r); }
}

function checkTls(c: Collector, r: Result, now: i64): void {
  c.add(tlsLegacy(r), r);
  c.add(sslv3(r), r);
  c.add(weakCiphers(r), r);
  c.add(certExpired(r, now), r);
  c.add(certExpiring(r, now, warnDays), r);
  c.add(certSelfSigned(r), r);
  c.add(rc4Accepted(r), r);
  c.add(sweet32(r), r);
  c.add(insecureRenegotiation(r), r);
  c.add(compression(r), r);
  c.add(noFallbackScsv(r), r);
  c.add(heartbeatExtension(r), r);
}

const SEVERITIES: StaticArray<string> = [SEVERITY_CRITICAL, SEVERITY_HIGH, SEVERITY_MEDIUM, SEVERITY_LOW, SEVERITY_INFO];

/** "10 findings: 4 high, 5 medium, 1 info", or "no findings". */
function summaryOf(findings: Array<Finding>): string {
  if (findings.length == 0) return "no findings";
  let parts = "";
  for (let i = 0; i < SEVERITIES.length; i++) {
    let n = 0;
    for (let j = 0; j < findings.length; j++) if (findings[j].severity == SEVERITIES[i]) n++;
    if (n > 0) parts += (parts.length > 0 ? ", " : "") + n.toString() + " " + SEVERITIES[i];
  }
  return findings.length.toString() + (findings.length == 1 ? " finding: " : " findings: ") + parts;
}

function run(input: Input): Output {
  const c = new Collector();
  const results = resultsOf(input);
  const now = nowMs();
  let checked = 0;
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    if (r.data === null) continue; // a failed invocation with nothing read proves nothing
    checked++;
    checkService(c, r);
    checkTls(c, r, now);
  }
  c.out.setData(new MapWriter().str("ip", hostIp(input)).int("results_checked", checked)
    .int("findings", c.out.findings.length).int("skipped", c.skipped));
  c.out.summary = summaryOf(c.out.findings);
  return c.out;
}

registerInit(init);
register(run);
