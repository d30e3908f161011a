// ssl: a wasmap scanner plugin for TLS services (RFC 8446, RFC 5246, RFC 5280).
// 1. One real TLS handshake through the host (SNI = config `sni`, else the
//    target's hostname): negotiated version/cipher and the certificate chain,
//    each certificate parsed here from DER (x509.ts over der.ts).
// 2. Crafted ClientHellos over plain TCP (probe.ts, tls.ts): which of SSLv3,
//    TLS 1.0-1.3 the server accepts and, per version, every suite of
//    suites.ts it accepts (weak ones also in `weak_ciphers`), plus JA3S.
// 3. Two more ClientHellos for `vulnerabilities` (vulns.ts): fallback SCSV,
//    secure renegotiation, compression, heartbeat; RC4/SWEET32 from step 2.
// `summary`: one line of the most telling facts, for the results table.
import {
  Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Socket, deadlineIn, errorName, invocationDeadline, msUntil, nowMs, register,
  statusForError,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { certInfo, leafSummary } from "@wasmap/sdk-assemblyscript";
import { Target, scanVersions } from "./probe";
import { checkVulnerabilities } from "./vulns";
import { smtpStartTls } from "./starttls";
import { versionName } from "./tls";

/** Version probes stop starting ClientHellos this long before the invocation's wall time ends (the rest is for the result). */
const MARGIN_MS: i64 = 2000;

function run(input: Input): Output {
  const t = input.target!;
  const c = input.config;
  const timeout = <i32>c.getInt("timeout_ms", 2000);
  let sni = c.getString("sni", "");
  if (sni.length == 0) sni = t.hostname;
  if (isIpLiteral(sni)) sni = ""; // RFC 6066 §3: no IP literals in server_name (the host drops them too)

  const out = new Output();
  const data = new MapWriter();
  let line = ""; // the summary, built as facts come in
  let cert = "";
  const server = new MapWriter().str("ip_address", t.ip).int("port", t.port);
  if (t.hostname.length > 0) server.str("hostname", t.hostname);
  server.str("tls_server_name_indication", sni);

  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout, MARGIN_MS)));
  if (!sock.ok) return Output.ioFail(sock.error, true).setData(data.map("server_info", server));
  const starttls = c.getString("starttls", "");
  if (starttls.length > 0) server.str("tls_wrapped_protocol", "starttls_" + starttls);
  const why = starttls == "smtp" ? smtpStartTls(sock, timeout) : "";
  const rc = why.length == 0 ? sock.tlsUpgrade(sni, msUntil(deadlineIn(timeout, MARGIN_MS))) : 0;
  if (why.length > 0) {
    out.status = STATUS_PROTOCOL_ERROR;
    out.error = why;
  } else if (rc < 0) {
    out.status = statusForError(rc);
    out.error = "TLS handshake: " + errorName(rc);
  } else {
    const info = sock.tlsInfo();
    if (info === null) {
      out.status = statusForError(sock.error);
      out.error = "tls_info: " + errorName(sock.error);
    } else {
      server.str("negotiated_version", info.version).str("negotiated_cipher", info.cipher);
      if (info.alpn.length > 0) server.str("alpn", info.alpn);
      data.map("cert_info", certInfo(info.chain, nowMs()));
      line = info.version + " " + info.cipher;
      cert = leafSummary(info.chain, nowMs());
    }
  }
  sock.close();
  if (line.length == 0) line = out.error.length > 0 ? out.error : "no handshake";
  if (c.getBool("versions", true)) {
    const target = new Target(t.ip, t.port, sni, timeout, invocationDeadline(MARGIN_MS), starttls);
    const scan = scanVersions(target, c.getBool("weak_ciphers", true));
    data.map("ciphers", scan.ciphers);
    data.array("weak_ciphers", scan.weak);
    if (scan.highest > 0) server.str("highest_ssl_version_supported", versionName(scan.highest));
    if (scan.ja3s.length > 0) server.str("ja3s", scan.ja3s).str("ja3s_string", scan.ja3sInput);
    const v = checkVulnerabilities(target, scan);
    data.map("vulnerabilities", v.map);
    server.int("client_hellos_sent", scan.hellos);
    let accepts = "";
    for (let i = 0; i < scan.versions.length; i++) accepts += (i > 0 ? ", " : "") + versionName(scan.versions[i]);
    line += "; accepts " + (accepts.length > 0 ? accepts : "no version");
    if (cert.length > 0) line += "; " + cert;
    if (scan.weakCount > 0) line += "; " + scan.weakCount.toString() + " weak cipher" + (scan.weakCount > 1 ? "s" : "") + " (" + worstFirst(scan.weakTags).join(", ") + ")";
    if (v.notes.length > 0) line += "; " + v.notes.join(", ");
  } else if (cert.length > 0) line += "; " + cert;
  data.map("server_info", server);
  out.summary = line;
  return out.setData(data); // status stays success unless the handshake failed
}

/** Suite weakness tags (suites.ts), worst first. */
const WEAKNESS_ORDER: StaticArray<string> = ["null", "export", "anonymous", "rc4", "des", "3des", "idea", "md5", "cbc-sha1"];

function worstFirst(tags: Array<string>): Array<string> {
  const out = new Array<string>(0);
  for (let i = 0; i < WEAKNESS_ORDER.length; i++) if (tags.includes(WEAKNESS_ORDER[i])) out.push(WEAKNESS_ORDER[i]);
  for (let i = 0; i < tags.length; i++) if (!out.includes(tags[i])) out.push(tags[i]);
  return out;
}

/** An IPv4 or IPv6 literal (digits and dots only, or any colon). */
function isIpLiteral(s: string): bool {
  if (s.length == 0) return false;
  if (s.includes(":")) return true;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch != 0x2e && (ch < 0x30 || ch > 0x39)) return false;
  }
  return true;
}

register(run);
