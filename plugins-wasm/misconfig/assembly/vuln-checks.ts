// Checks on `vulnerabilities`, in BinaryEdge's/sslyze's names as the ssl
// plugin reports them (`vulnerabilities.<test>.<flag>`). A flag gives a
// finding only when it is a real bool saying so; an absent flag, an
// `error` entry or another type says nothing.
import { Finding, Kind, SEVERITY_INFO, SEVERITY_LOW, SEVERITY_MEDIUM, Value } from "@wasmap/sdk-assemblyscript";
import { Result, show } from "./results";

function finding(id: string, title: string, severity: string, r: Result, proof: string): Finding {
  const f = new Finding(id, title, severity).at(r.port, r.transport); // A8: listed under the port it is about
  f.evidence = r.where() + proof;
  return f;
}

/** `vulnerabilities.<path>` when it is a bool equal to `want`; its evidence text, else "". */
function flag(r: Result, path: string, want: bool): string {
  const v = r.at("vulnerabilities." + path);
  if (v === null || v.kind != Kind.Bool || v.asBool() != want) return "";
  return "vulnerabilities." + path + "=" + (want ? "true" : "false");
}

/** ", accepted_cipher_list=[A,B,…] (n)" of `vulnerabilities.<test>`, or "". */
function suites(r: Result, test: string): string {
  const l = r.at("vulnerabilities." + test + ".accepted_cipher_list");
  if (l === null || !l.isArray || l.length == 0) return "";
  const list = l.asArray();
  let s = "";
  for (let i = 0; i < list.length && i < 5; i++) {
    if (!list[i].isString) continue;
    s += (s.length > 0 ? "," : "") + list[i].asString();
  }
  if (list.length > 5) s += ",…";
  return ", accepted_cipher_list=[" + s + "] (" + list.length.toString() + ")";
}

/** RC4 suites accepted (RFC 7465 forbids them). */
export function rc4Accepted(r: Result): Finding | null {
  const p = flag(r, "rc4.supports_rc4", true);
  if (p.length == 0) return null;
  const f = finding("tls-rc4-accepted", "RC4 cipher suites accepted", SEVERITY_MEDIUM, r, p + suites(r, "rc4"));
  f.cve.push("CVE-2013-2566");
  f.cve.push("CVE-2015-2808");
  return f;
}

/** 64-bit block ciphers (3DES, DES, IDEA) accepted: SWEET32. */
export function sweet32(r: Result): Finding | null {
  const p = flag(r, "sweet32.supports_64bit_block_ciphers", true);
  if (p.length == 0) return null;
  const f = finding("tls-sweet32", "64-bit block ciphers (3DES) accepted (SWEET32)", SEVERITY_LOW, r, p + suites(r, "sweet32"));
  f.cve.push("CVE-2016-2183");
  return f;
}

/** No RFC 5746 renegotiation_info in the ServerHello: renegotiation can be spliced. */
export function insecureRenegotiation(r: Result): Finding | null {
  const p = flag(r, "renegotiation.supports_secure_renegotiation", false);
  if (p.length == 0) return null;
  const f = finding("tls-insecure-renegotiation", "TLS secure renegotiation (RFC 5746) not supported", SEVERITY_MEDIUM, r, p);
  f.cve.push("CVE-2009-3555");
  return f;
}

/** The server accepted TLS_FALLBACK_SCSV below its best version (RFC 7507): downgrades go unnoticed. */
export function noFallbackScsv(r: Result): Finding | null {
  const p = flag(r, "fallback.supports_fallback_scsv", false);
  if (p.length == 0) return null;
  return finding("tls-no-fallback-scsv", "TLS fallback SCSV not supported (downgrade protection)", SEVERITY_LOW, r, p);
}

/** TLS-level compression picked: CRIME. */
export function compression(r: Result): Finding | null {
  const p = flag(r, "compression.supports_compression", true);
  if (p.length == 0) return null;
  const name: Value | null = r.at("vulnerabilities.compression.compression_name");
  const f = finding("tls-compression", "TLS compression enabled (CRIME)", SEVERITY_MEDIUM, r,
    p + (name !== null ? ", vulnerabilities.compression.compression_name=" + show(name) : ""));
  f.cve.push("CVE-2012-4929");
  return f;
}

/** The heartbeat extension is advertised: worth knowing (Heartbleed lived there), not a vulnerability by itself. */
export function heartbeatExtension(r: Result): Finding | null {
  const p = flag(r, "heartbeat.supports_heartbeat_extension", true);
  if (p.length == 0) return null;
  return finding("tls-heartbeat-extension", "TLS heartbeat extension enabled", SEVERITY_INFO, r, p);
}
