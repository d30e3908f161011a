// Runs one of the http plugin's pure functions on every case of the input:
//   op "response": cases = [bin], with `closed`, `head`, `max_body` → parse result maps
//   op "title":    cases = [str] → titles
//   op "location": cases = [str], `base` = [scheme, host, port, path] → resolved URL or nil
import { ArrayWriter, Input, MapWriter, Output, register } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { PARSE_BAD, PARSE_OK, Url, extractTitle, parseResponse, resolveLocation } from "@wasmap/sdk-assemblyscript";

function run(input: Input): Output {
  const op = input.raw.getString("op");
  const cases = input.raw.getArray("cases");
  const closed = input.raw.getBool("closed", false);
  const head = input.raw.getBool("head", false);
  const maxBody = <i32>input.raw.getInt("max_body", 65536);
  const out = new ArrayWriter();
  for (let i = 0; i < cases.length; i++) {
    if (op == "response") {
      const b = cases[i].asBytes();
      if (b === null) { out.nil(); continue; }
      const r = parseResponse(b, head, maxBody, closed);
      const m = new MapWriter().str("status", r.status == PARSE_OK ? "ok" : r.status == PARSE_BAD ? "bad" : "more");
      if (r.error.length > 0) m.str("error", r.error);
      if (r.headComplete) {
        m.int("statusCode", r.statusCode).str("statusMessage", r.statusMessage).str("httpVersion", r.httpVersion)
          .int("headers", r.headers.length).str("framing", r.framing).bin("body", r.body);
        if (r.bodyTruncated) m.bool("truncated", true);
      }
      out.map(m);
    } else if (op == "title") {
      out.str(extractTitle(cases[i].asString()));
    } else if (op == "location") {
      const b = input.raw.getArray("base");
      const base = new Url(b[0].asString(), b[1].asString(), <i32>b[2].asInt(), b[3].asString());
      const u = resolveLocation(cases[i].asString(), base);
      if (u === null) out.nil(); else out.str(u.toString());
    } else {
      out.str("unknown op " + op);
    }
  }
  return new Output().setDataArray(out);
}

register(run);
