// banner-analyzer: a `detection` plugin. Input: `banner` (bin) and `target`.
// Output: `service` {name, product, version, cpe, confidence, extrainfo} and
// `data` {protocol, evidence}. Pure computation: no capability, no host call
// that waits, so the host runs it without Asyncify.
import {
  Config, Input, MapWriter, Output, Service, STATUS_PROTOCOL_ERROR, firstLine, register, registerInit,
} from "@wasmap/sdk-assemblyscript";
import { matchFtp } from "./ftp";
import { matchHttp } from "./http";
import { matchMemcached } from "./memcached";
import { matchMysql } from "./mysql";
import { matchPostgres } from "./postgres";
import { matchRedis } from "./redis";
import { matchSmtp } from "./smtp";
import { matchSsh } from "./ssh";
import { matchTelnet } from "./telnet";
import { clean } from "./text";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** Longest banner prefix looked at: identification never needs more. */
const MAX_BANNER = 16384;

let minConfidence: f64 = 0;

function init(config: Config): bool {
  minConfidence = config.getFloat("min_confidence", 0);
  return minConfidence >= 0 && minConfidence <= 1;
}

function identify(b: Uint8Array, text: string): Service | null {
  // binary greetings first: their first bytes are lengths, not text
  let s = matchTelnet(b);
  if (s === null) s = matchMysql(b, text);
  if (s === null) s = matchPostgres(b, text);
  if (s === null) s = matchSsh(text);
  if (s === null) s = matchHttp(text);
  // both greet with 220: SMTP names itself (ESMTP), FTP servers rarely say SMTP
  if (s === null) s = matchSmtp(text);
  if (s === null) s = matchFtp(text);
  if (s === null) s = matchRedis(text);
  if (s === null) s = matchMemcached(text);
  return s;
}

function run(input: Input): Output {
  const out = new Output();
  const full = input.banner();
  if (full === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no banner in the input");
  const b = full.length > MAX_BANNER ? full.subarray(0, MAX_BANNER) : full;
  const text = input.bannerText().substring(0, MAX_BANNER);
  const s = identify(b, text);
  const data = new MapWriter().int("banner_bytes", full.length);
  if (s !== null && s.confidence >= minConfidence) {
    out.service = s;
    data.str("protocol", s.name).str("evidence", clean(firstLine(text), 120));
  } else {
    data.str("protocol", "unknown");
  }
  out.setData(data);
  return out;
}

registerInit(init);
register(run);
