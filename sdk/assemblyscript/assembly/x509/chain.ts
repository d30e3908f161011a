// cert_info from the chain the host's TLS handshake saw (DER, leaf first).
import { ArrayWriter, MapWriter } from "../msgpack/writer";
import { hex } from "./der";
import { sha1 } from "../hash/sha1";
import { sha256 } from "../hash/sha256";
import { parseCertificate } from "./x509";

/** cert_info: certificate_chain[], is_self_signed, is_expired (vs `nowMs`), plus leaf facts. */
export function certInfo(chain: Array<Uint8Array>, nowMs: i64): MapWriter {
  const arr = new ArrayWriter();
  let selfSigned = false;
  let expired = false;
  let notYetValid = false;
  let sha1InChain = false;
  for (let i = 0; i < chain.length; i++) {
    const der = chain[i];
    const c = parseCertificate(der);
    const e = new MapWriter().map("as_dict", c.asDict)
      .str("sha1_fingerprint", hex(sha1(der), 0, 20))
      .str("sha256_fingerprint", hex(sha256(der), 0, 32));
    if (c.error.length > 0) e.str("parse_error", c.error);
    arr.map(e);
    if (c.error.length == 0) {
      if (i == 0) {
        selfSigned = c.selfIssued;
        expired = nowMs > c.notAfterMs;
        notYetValid = nowMs < c.notBeforeMs;
      }
      // the root's own signature does not matter (RFC 5280 §6.1)
      if (!c.selfIssued && c.signatureAlgorithm.startsWith("sha1")) sha1InChain = true;
    }
  }
  return new MapWriter()
    .array("certificate_chain", arr)
    .bool("is_self_signed", selfSigned)
    .bool("is_expired", expired)
    .bool("is_not_yet_valid", notYetValid)
    .bool("has_sha1_in_certificate_chain", sha1InChain);
}

/** The leaf in a few words for the summary line: "CN=wasmap.test, self-signed, until 2036-11-20" (or "expired 2020-01-01"). */
export function leafSummary(chain: Array<Uint8Array>, nowMs: i64): string {
  if (chain.length == 0) return "no certificate";
  const c = parseCertificate(chain[0]);
  if (c.error.length > 0) return "unparsable certificate";
  let s = c.subjectCN.length > 0 ? "CN=" + c.subjectCN : "no CN";
  if (c.selfIssued) s += ", self-signed";
  const day = c.notAfterIso.length >= 10 ? c.notAfterIso.substring(0, 10) : "?";
  if (nowMs > c.notAfterMs) s += ", expired " + day;
  else if (nowMs < c.notBeforeMs) s += ", not yet valid";
  else s += ", until " + day;
  return s;
}
