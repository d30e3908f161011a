// Runs one of the ssl plugin's pure functions on every case of the input:
//   op "x509":   cases = [bin] → {error} or {as_dict, …} (certInfo of a one-certificate chain)
//   op "sha1" / "sha256" / "md5": cases = [bin] → hex digests
//   op "suites": → [{code, iana, openssl, bits, tls13, weakness}] (the whole table; cases ignored)
//   op "reply":  cases = [bin], `closed` → parseReply result maps
//   op "hello":  cases = [version (int)], → ClientHello record bytes (SNI "wasmap.test", zero random, key share = the X25519 base point)
import { ArrayWriter, Input, MapWriter, Output, register } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { certInfo } from "@wasmap/sdk-assemblyscript";
import { hex } from "@wasmap/sdk-assemblyscript";
import { md5 } from "@wasmap/sdk-assemblyscript";
import { sha1 } from "@wasmap/sdk-assemblyscript";
import { sha256 } from "@wasmap/sdk-assemblyscript";
import { LEGACY_SUITES, Suite, TLS13_SUITES } from "../../../assembly/suites";
import { REPLY_ALERT, REPLY_BAD, REPLY_HELLO, TLS13, clientHello, parseReply } from "../../../assembly/tls";

function run(input: Input): Output {
  const op = input.raw.getString("op");
  const cases = input.raw.getArray("cases");
  const now = input.raw.getInt("now_ms", 0);
  const out = new ArrayWriter();
  if (op == "suites") {
    for (let i = 0; i < TLS13_SUITES.length; i++) out.map(suiteMap(TLS13_SUITES[i], true));
    for (let i = 0; i < LEGACY_SUITES.length; i++) out.map(suiteMap(LEGACY_SUITES[i], false));
    return new Output().setDataArray(out);
  }
  if (op == "hello") {
    for (let i = 0; i < cases.length; i++) {
      const v = <u16>cases[i].asInt();
      const codes = new Array<u16>(0);
      const table = v == TLS13 ? TLS13_SUITES : LEGACY_SUITES;
      for (let j = 0; j < table.length; j++) codes.push(table[j].code);
      const key = new Uint8Array(32);
      key[0] = 9; // the X25519 base point: a valid share (all zeros is refused as low-order)
      out.bin(clientHello(v, codes, "wasmap.test", new Uint8Array(32), key));
    }
    return new Output().setDataArray(out);
  }
  const closed = input.raw.getBool("closed", false);
  for (let i = 0; i < cases.length; i++) {
    const b = cases[i].asBytes();
    if (b === null) { out.nil(); continue; }
    if (op == "reply") {
      const r = parseReply(b, closed);
      const m = new MapWriter().str("kind", r.kind == REPLY_HELLO ? "hello" : r.kind == REPLY_ALERT ? "alert" : r.kind == REPLY_BAD ? "bad" : "more");
      if (r.error.length > 0) m.str("error", r.error);
      if (r.kind == REPLY_HELLO) {
        m.int("version", r.version).int("legacy_version", r.legacyVersion).int("cipher", r.cipher).bool("hello_retry", r.helloRetry);
        const e = new ArrayWriter();
        for (let j = 0; j < r.extensions.length; j++) e.int(r.extensions[j]);
        m.array("extensions", e);
      }
      if (r.kind == REPLY_ALERT) m.int("level", r.alertLevel).int("description", r.alertDescription);
      out.map(m);
    } else if (op == "x509") {
      const chain = new Array<Uint8Array>(0);
      chain.push(b);
      out.map(certInfo(chain, now));
    } else if (op == "sha1") out.str(hex(sha1(b), 0, 20));
    else if (op == "sha256") out.str(hex(sha256(b), 0, 32));
    else if (op == "md5") out.str(hex(md5(b), 0, 16));
    else out.str("unknown op " + op);
  }
  return new Output().setDataArray(out);
}

function suiteMap(s: Suite, tls13: bool): MapWriter {
  return new MapWriter().int("code", s.code).str("iana", s.iana).str("openssl", s.openssl).int("bits", s.bits).bool("tls13", tls13).str("weakness", s.weakness);
}

register(run);
