// Checks on the rdp plugin's result (plugins-wasm/rdp): which security
// protocols the server's X.224 negotiation accepted and whether it insists on
// Network Level Authentication (CredSSP) before a session starts.
import { Finding, SEVERITY_MEDIUM } from "@wasmap/sdk-assemblyscript";
import { Result } from "./results";

/** "tls,rdp" from data.security_protocols; "" when absent or empty. */
function protocols(r: Result): string {
  const v = r.at("security_protocols");
  if (v === null || !v.isArray) return "";
  const list = v.asArray();
  let s = "";
  for (let i = 0; i < list.length; i++) if (list[i].isString) s += (s.length > 0 ? "," : "") + list[i].asString();
  return s;
}

function finding(id: string, title: string, r: Result, proof: string): Finding {
  const f = new Finding(id, title, SEVERITY_MEDIUM).at(r.port, r.transport);
  f.evidence = r.where() + proof;
  return f;
}

/**
 * The server accepted a connection without CredSSP (nla_required=false and
 * some protocol accepted): the login screen, and the host's resources behind
 * it, are offered to anyone before authentication (brute force, pre-auth bugs
 * such as CVE-2019-0708).
 */
export function rdpNoNla(r: Result): Finding | null {
  const nla = r.at("nla_required");
  const list = protocols(r);
  if (nla === null || nla.asBool(true) || list.length == 0) return null;
  return finding("rdp-no-nla", "RDP without Network Level Authentication", r, "nla_required=false, security_protocols=" + list);
}

/**
 * Standard RDP security accepted: RC4 with a server key a client cannot
 * verify (the proprietary certificate's signing key is public,
 * CVE-2005-1794), so an active man in the middle reads the session, the
 * password typed at the login screen included. Medium, as scanners rate it
 * (Nessus 18405), not low: the exposure is credentials, not metadata.
 */
export function rdpStandardSecurity(r: Result): Finding | null {
  const list = protocols(r);
  if (!("," + list + ",").includes(",rdp,")) return null;
  return finding("rdp-standard-security", "RDP accepts Standard RDP Security (RC4, server not authenticated)", r, "security_protocols=" + list);
}
