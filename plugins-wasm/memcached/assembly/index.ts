// memcached: a wasmap scanner for memcached (port 11211, text protocol).
// Sends `stats` (read-only, answered without authentication unless the
// server enforces it) and reports every STAT key verbatim, as BinaryEdge's
// memcached module does: pid, version, uptime, curr_connections, …
import {
  Input, MapWriter, Output, STATUS_IO_TIMEOUT, STATUS_PROTOCOL_ERROR, Service, Socket, concatBytes, deadlineIn, errorName,
  msUntil, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import { MALFORMED, NEED_MORE, REFUSED, Stats, parseStats } from "./stats";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** A whole stats reply is ~3 KB; more than this is not one. */
const MAX_REPLY: i32 = 65536;

function memcachedService(version: string): Service {
  return Service.of("memcached", "Memcached", version, version.length > 0 ? 1.0 : 0.9).addVersionCpe("memcached", "memcached");
}

/** The table's line (A8): who, open or not, how much it caches. */
function summary(st: Stats): string {
  const v = st.get("version");
  let line = "Memcached" + (v.length > 0 ? " " + v : "") + ", no auth";
  const items = st.get("curr_items");
  if (items.length > 0) line += ", " + items + (items == "1" ? " item" : " items");
  return line;
}

/** The result for what was parsed, with `status`/`error`; the STAT lines so far are kept. */
function result(st: Stats, status: string, error: string): Output {
  const out = Output.fail(status, error);
  if (st.keys.length == 0) return out;
  const m = new MapWriter();
  for (let i = 0; i < st.keys.length; i++) m.str(st.keys[i], st.values[i]);
  m.bool("auth_required", false);
  if (st.truncated) m.bool("stats_truncated", true);
  out.setData(m);
  out.service = memcachedService(st.get("version"));
  if (status == "success") out.summary = summary(st);
  return out;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);

  // every wait ends inside the invocation's wall time, so a slow server still yields a partial result
  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout)));
  if (!sock.ok) return Output.ioFail(sock.error, true);
  if (sock.sendString("stats\r\n") < 0) return Output.ioFail(sock.error);

  const deadline = deadlineIn(timeout);
  let buf = new Uint8Array(0);
  let st = parseStats(buf);
  while (st.state == NEED_MORE) {
    if (buf.length >= MAX_REPLY) { sock.close(); return result(st, STATUS_PROTOCOL_ERROR, "stats reply longer than " + MAX_REPLY.toString() + " bytes"); }
    const left = msUntil(deadline);
    if (left == 0) { sock.close(); return result(st, STATUS_IO_TIMEOUT, "stats reply incomplete after " + timeout.toString() + " ms"); }
    const got = sock.recv(MAX_REPLY - buf.length, left);
    if (got === null) { sock.close(); return result(st, statusForError(sock.error), errorName(sock.error)); }
    const chunk = got!;
    if (chunk.length == 0) return result(st, STATUS_PROTOCOL_ERROR, "connection closed mid-reply");
    buf = concatBytes(buf, chunk);
    st = parseStats(buf);
  }
  sock.close();
  if (st.state == MALFORMED) return result(st, STATUS_PROTOCOL_ERROR, st.text);
  if (st.state == REFUSED) {
    // "CLIENT_ERROR unauthenticated" is memcached with an auth file (-Y): still memcached
    // any other error line (ERROR: unknown command) does not tell memcached from other servers
    if (!st.text.includes("unauthenticated")) return Output.fail(STATUS_PROTOCOL_ERROR, st.text);
    const out = new Output();
    out.service = memcachedService("");
    out.summary = "auth required";
    return out.setData(new MapWriter().bool("auth_required", true).str("error", st.text));
  }
  return result(st, "success", "");
}

register(run);
