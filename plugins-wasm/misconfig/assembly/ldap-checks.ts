// Checks on the ldap plugin's results (plugins-wasm/ldap/README.md): what an
// anonymous client could do. The evidence names the result (plugin, port)
// and the field=value that proves it.
import { Finding, SEVERITY_HIGH, SEVERITY_MEDIUM } from "@wasmap/sdk-assemblyscript";
import { Result, show } from "./results";

function finding(id: string, title: string, severity: string, r: Result, proof: string): Finding {
  const f = new Finding(id, title, severity).at(r.port, r.transport); // A8: listed under the port it is about
  f.evidence = r.where() + proof;
  return f;
}

/** The server answered an anonymous simple bind with success (RFC 4513 §5.1.1 allows it, most directories should not). */
export function ldapAnonymousBind(r: Result): Finding | null {
  if (!r.isTrue("anonymous_bind") || r.str("bind_result") != "success") return null;
  return finding("ldap-anonymous-bind", "LDAP server accepts anonymous binds", SEVERITY_MEDIUM, r, "anonymous_bind=true, bind_result=success");
}

/**
 * An anonymous search of the naming context returned entries: the
 * directory's contents (people, groups, hosts) are readable by anyone who
 * can reach the port. High, not medium: that is data disclosure, not just a
 * permissive setting.
 */
export function ldapAnonymousSearch(r: Result): Finding | null {
  if (!r.isTrue("anonymous_search")) return null;
  const n = r.at("search_entries");
  if (n === null || n.asInt(0) <= 0) return null;
  let proof = "anonymous_search=true, search_base=" + r.str("search_base") + ", search_entries=" + show(n);
  const dns = r.at("search_dns");
  if (dns !== null && dns.isArray && dns.length > 0) proof += ", search_dns[0]=" + show(dns.asArray()[0]);
  return finding("ldap-anonymous-search", "LDAP directory readable anonymously", SEVERITY_HIGH, r, proof);
}
