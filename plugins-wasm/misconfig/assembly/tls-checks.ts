// TLS checks. The ssl plugin reports in BinaryEdge's ssl names
// (`ciphers.<version>.accepted`, `weak_ciphers[]`, `cert_info.*`,
// `server_info.highest_ssl_version_supported`); any plugin that upgraded to
// TLS reports what it negotiated as `tls.version` (the SDK's tlsInfo). Every
// field is optional: an absent one gives no finding.
import { Finding, SEVERITY_HIGH, SEVERITY_LOW, SEVERITY_MEDIUM, Value } from "@wasmap/sdk-assemblyscript";
import { dateMs, isoOf } from "./dates";
import { Result, show } from "./results";

const DAY_MS: i64 = 86400000;

function finding(id: string, title: string, severity: string, r: Result, proof: string): Finding {
  const f = new Finding(id, title, severity).at(r.port, r.transport); // A8: listed under the port it is about
  f.evidence = r.where() + proof;
  return f;
}

/** `ciphers.<v>` says the version was accepted: `accepted: true`, or a non-empty `accepted_cipher_list`. */
function accepted(r: Result, version: string): string {
  const g = r.at("ciphers." + version);
  if (g === null || !g.isMap) return "";
  const a = g.get("accepted");
  if (a !== null && a.asBool(false)) return "ciphers." + version + ".accepted=true";
  const list = g.get("accepted_cipher_list");
  if (list !== null && list.isArray && list.length > 0) return "ciphers." + version + ".accepted_cipher_list=" + list.length.toString() + " ciphers";
  return "";
}

/** "field=version" of what was negotiated: `tls.version` (SDK tlsInfo) or the ssl plugin's `server_info.negotiated_version`. */
function negotiated(r: Result): string {
  const a = r.str("tls.version");
  if (a.length > 0) return "tls.version=" + a;
  const b = r.str("server_info.negotiated_version");
  return b.length > 0 ? "server_info.negotiated_version=" + b : "";
}

/** `server_info.highest_ssl_version_supported` as "TLSV1_1" whether written "TLSv1.1", "TLSV1_1" or "tlsv1_1". */
function highest(r: Result): string {
  return r.str("server_info.highest_ssl_version_supported").toUpperCase().replaceAll(".", "_");
}

const HIGHEST = "server_info.highest_ssl_version_supported=";

/** TLS 1.0 or 1.1 (RFC 8996 deprecates both) accepted or negotiated. */
export function tlsLegacy(r: Result): Finding | null {
  let proof = "";
  const v10 = accepted(r, "tlsv1");
  const v11 = accepted(r, "tlsv1_1");
  if (v10.length > 0) proof = v10;
  if (v11.length > 0) proof += (proof.length > 0 ? ", " : "") + v11;
  const hi = highest(r);
  if (proof.length == 0 && (hi == "TLSV1" || hi == "TLSV1_1")) proof = HIGHEST + r.str("server_info.highest_ssl_version_supported");
  const n = negotiated(r);
  if (proof.length == 0 && (n.endsWith("=TLSv1") || n.endsWith("=TLSv1.1"))) proof = n;
  if (proof.length == 0) return null;
  return finding("tls-legacy-version", "TLS below 1.2 accepted", SEVERITY_MEDIUM, r, proof);
}

/** SSLv3 accepted: POODLE. */
export function sslv3(r: Result): Finding | null {
  let proof = accepted(r, "sslv3");
  const n = negotiated(r);
  if (proof.length == 0 && n.endsWith("=SSLv3")) proof = n;
  if (proof.length == 0 && highest(r) == "SSLV3") proof = HIGHEST + r.str("server_info.highest_ssl_version_supported");
  if (proof.length == 0) return null;
  const f = finding("sslv3-accepted", "SSLv3 accepted", SEVERITY_HIGH, r, proof);
  f.cve.push("CVE-2014-3566");
  return f;
}

function cipherName(v: Value): string {
  if (v.isString) return v.asString();
  if (!v.isMap) return "";
  const n = v.getString("openssl_name");
  return n.length > 0 ? n : v.getString("name");
}

/** The ssl plugin's `weak_ciphers[]` (its own judgement: export, NULL, RC4, DES, 3DES, anonymous …). */
export function weakCiphers(r: Result): Finding | null {
  const w = r.at("weak_ciphers");
  if (w === null || !w.isArray || w.length == 0) return null;
  const list = w.asArray();
  let names = "";
  for (let i = 0; i < list.length && i < 5; i++) {
    const n = cipherName(list[i]);
    if (n.length > 0) names += (names.length > 0 ? "," : "") + n;
  }
  if (list.length > 5) names += ",…";
  return finding("tls-weak-ciphers", "Weak TLS ciphers accepted", SEVERITY_MEDIUM, r,
    "weak_ciphers=[" + names + "] (" + list.length.toString() + ")");
}

/** The leaf's `not_after` (first of the chain), or null. */
function leafNotAfter(r: Result): Value | null {
  const chain = r.at("cert_info.certificate_chain");
  if (chain === null || !chain.isArray || chain.length == 0) return null;
  const leaf = chain.asArray()[0];
  if (!leaf.isMap) return null;
  const d = leaf.get("as_dict");
  if (d === null || !d.isMap) return null;
  const val = d.get("validity");
  return val === null || !val.isMap ? null : val.get("not_after");
}

const NOT_AFTER = "cert_info.certificate_chain[0].as_dict.validity.not_after=";

export function certExpired(r: Result, now: i64): Finding | null {
  const na = leafNotAfter(r);
  const t = dateMs(na);
  let proof = "";
  if (t >= 0 && t < now) proof = NOT_AFTER + show(na);
  if (r.isTrue("cert_info.is_expired")) proof = "cert_info.is_expired=true" + (proof.length > 0 ? ", " + proof : "");
  if (proof.length == 0) return null;
  return finding("tls-cert-expired", "TLS certificate expired", SEVERITY_HIGH, r, proof);
}

export function certExpiring(r: Result, now: i64, days: i64): Finding | null {
  if (r.isTrue("cert_info.is_expired")) return null;
  const na = leafNotAfter(r);
  const t = dateMs(na);
  if (t < 0 || t < now || t - now > days * DAY_MS) return null;
  const left = (t - now) / DAY_MS;
  return finding("tls-cert-expiring", "TLS certificate expires within " + days.toString() + " days", SEVERITY_LOW, r,
    NOT_AFTER + show(na) + " (" + isoOf(t) + ", " + left.toString() + " days left)");
}

export function certSelfSigned(r: Result): Finding | null {
  if (!r.isTrue("cert_info.is_self_signed")) return null;
  return finding("tls-cert-self-signed", "TLS certificate is self-signed", SEVERITY_MEDIUM, r, "cert_info.is_self_signed=true");
}
