// Runs one of the ssh plugin's pure functions on every case of the input
// (`op` names it, `cases` is a list of bin, or of [bin, bin] for x25519) and
// returns one result per case, so a test can feed hundreds of truncated or
// hostile inputs in one invocation.
import { ArrayWriter, Input, MapWriter, Output, register } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { base64, hex } from "../../../assembly/encoding";
import { md5 } from "@wasmap/sdk-assemblyscript";
import { sha256 } from "@wasmap/sdk-assemblyscript";
import { PARSE_BAD, PARSE_OK, parseGreeting, parseKexReply } from "../../../assembly/ssh";
import { x25519 } from "../../../assembly/x25519";

function statusName(s: i32): string {
  return s == PARSE_OK ? "ok" : s == PARSE_BAD ? "bad" : "more";
}

function run(input: Input): Output {
  const op = input.raw.getString("op");
  const cases = input.raw.getArray("cases");
  const out = new ArrayWriter();
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    if (op == "x25519") {
      const pair = c.asArray();
      const k = pair[0].asBytes(), u = pair[1].asBytes();
      const r = k !== null && u !== null ? x25519(k, u) : null;
      if (r === null) out.nil(); else out.str(hex(r));
      continue;
    }
    const b = c.asBytes();
    if (b === null) { out.nil(); continue; }
    if (op == "md5") out.str(hex(md5(b)));
    else if (op == "sha256") out.str(hex(sha256(b)));
    else if (op == "base64") out.str(base64(b));
    else if (op == "greeting") {
      const g = parseGreeting(b);
      const m = new MapWriter().str("status", statusName(g.status));
      if (g.error.length > 0) m.str("error", g.error);
      if (g.ident !== null) m.str("banner", g.ident!.line);
      if (g.preamble.length > 0) m.strArray("preamble", g.preamble);
      const k = g.kexinit;
      if (k !== null) m.strArray("kex", k.kex).strArray("server_host_key", k.hostKey).strArray("encryption", k.encS2C).int("next", g.next);
      out.map(m);
    } else if (op == "reply") {
      const r = parseKexReply(b, 0);
      const m = new MapWriter().str("status", statusName(r.status));
      if (r.error.length > 0) m.str("error", r.error);
      const hk = r.hostKey;
      if (hk !== null) m.str("type", hk.type).int("bits", hk.bits).str("sha256", base64(sha256(hk.blob), false)).str("key", base64(hk.blob));
      out.map(m);
    } else {
      out.str("unknown op " + op);
    }
  }
  return new Output().setDataArray(out);
}

register(run);
