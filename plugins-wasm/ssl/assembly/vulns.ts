// `vulnerabilities`, in BinaryEdge's/sslyze's names, from what a ClientHello
// can show without finishing a handshake. Two more ClientHellos after the
// version scan:
// - at the highest accepted version up to TLS 1.2, offering DEFLATE and the
//   heartbeat extension: the ServerHello says whether the server echoes
//   renegotiation_info (RFC 5746), picks DEFLATE (CRIME) and advertises
//   heartbeats (RFC 6520);
// - at the second-highest accepted version with TLS_FALLBACK_SCSV: an
//   inappropriate_fallback alert means the server detects downgrades (RFC 7507).
// RC4 and 64-bit-block (SWEET32) acceptance come from the suites listed.
// Nothing here proves Heartbleed, CCS injection or ROBOT: those need an
// exploit attempt, not a hello.
import { ArrayWriter, MapWriter } from "@wasmap/sdk-assemblyscript";
import { Scan, Target, probe, whyNot } from "./probe";
import { LEGACY_SUITES } from "./suites";
import {
  ALERT_INAPPROPRIATE_FALLBACK, EXT_HEARTBEAT, EXT_RENEGOTIATION_INFO, HELLO_DEFLATE, HELLO_FALLBACK_SCSV, HELLO_HEARTBEAT,
  REPLY_ALERT, REPLY_HELLO, SSL3, TLS12, versionKey, versionName,
} from "./tls";

export class Vulns {
  map: MapWriter = new MapWriter();
  /** Short words for the summary line, worst first: only what was found. */
  notes: Array<string> = new Array<string>(0);
}

function legacyCodes(): Array<u16> {
  const a = new Array<u16>(0);
  for (let i = 0; i < LEGACY_SUITES.length; i++) a.push(LEGACY_SUITES[i].code);
  return a;
}

function err(why: string): MapWriter { return new MapWriter().str("error", why); }

function names(list: Array<string>): ArrayWriter {
  const a = new ArrayWriter();
  for (let i = 0; i < list.length; i++) a.str(list[i]);
  return a;
}

/** {flag: true, accepted_cipher_list} when some were listed; false only when every accepted version was listed to the end. */
function suiteFlag(flag: string, found: Array<string>, scan: Scan): MapWriter {
  if (found.length > 0) return new MapWriter().bool(flag, true).array("accepted_cipher_list", names(found));
  if (scan.versions.length == 0) return err("no version accepted");
  if (!scan.listedAll) return err("suite listing incomplete (config weak_ciphers = false, a cap, the time budget or an I/O error)");
  return new MapWriter().bool(flag, false);
}

/** The checks above, after scanVersions found `scan`. */
export function checkVulnerabilities(t: Target, scan: Scan): Vulns {
  const out = new Vulns();
  let legacy: u16 = 0;
  for (let i = 0; i < scan.versions.length; i++) if (scan.versions[i] <= TLS12) legacy = scan.versions[i];

  let fallback: MapWriter;
  const n = scan.versions.length;
  if (n < 2) fallback = err(n == 0 ? "no version accepted" : "only " + versionName(scan.versions[0]) + " accepted: nothing to fall back to");
  else {
    const below = scan.versions[n - 2];
    const r = probe(t, below, legacyCodes(), HELLO_FALLBACK_SCSV);
    scan.hellos++;
    if (r.kind == REPLY_ALERT && r.alertDescription == ALERT_INAPPROPRIATE_FALLBACK) {
      fallback = new MapWriter().bool("supports_fallback_scsv", true);
    } else if (r.kind == REPLY_HELLO && r.version == below) {
      fallback = new MapWriter().bool("supports_fallback_scsv", false);
      out.notes.push("no fallback SCSV");
    } else fallback = err(whyNot(r));
    fallback.str("ssl_version", versionKey(below));
  }

  let reneg: MapWriter;
  let comp: MapWriter;
  let beat: MapWriter;
  if (legacy == 0) {
    const why = scan.versions.length == 0 ? "no version accepted" : "no version below TLS 1.3 accepted";
    reneg = err(why); comp = err(why); beat = err(why);
  } else {
    const r = probe(t, legacy, legacyCodes(), HELLO_DEFLATE | HELLO_HEARTBEAT);
    scan.hellos++;
    if (r.kind == REPLY_HELLO && r.version == legacy) {
      const secure = r.extensions.includes(EXT_RENEGOTIATION_INFO);
      reneg = new MapWriter().bool("supports_secure_renegotiation", secure);
      comp = new MapWriter().bool("supports_compression", r.compression != 0);
      if (r.compression == 1) comp.str("compression_name", "DEFLATE");
      else if (r.compression != 0) comp.str("compression_name", "method " + r.compression.toString());
      const hb = r.extensions.includes(EXT_HEARTBEAT);
      // an SSLv3 ClientHello carries no extensions, so heartbeats were not offered
      beat = legacy == SSL3 ? err("not offered: SSLv3 is the only version below TLS 1.3 accepted") : new MapWriter().bool("supports_heartbeat_extension", hb);
      if (r.compression != 0) out.notes.unshift("compression (CRIME)");
      if (!secure) out.notes.unshift("no secure renegotiation");
      if (hb) out.notes.push("heartbeat extension");
    } else {
      const why = whyNot(r);
      reneg = err(why); comp = err(why); beat = err(why);
    }
    const key = versionKey(legacy);
    reneg.str("ssl_version", key); comp.str("ssl_version", key); beat.str("ssl_version", key);
  }

  out.map.map("fallback", fallback).map("renegotiation", reneg).map("compression", comp).map("heartbeat", beat)
    .map("rc4", suiteFlag("supports_rc4", scan.rc4, scan))
    .map("sweet32", suiteFlag("supports_64bit_block_ciphers", scan.block64, scan));
  return out;
}
