// redis: a wasmap scanner for Redis (port 6379, RESP). Sends the inline
// command `INFO` (one line, no RESP framing needed, so it also works on
// servers that only speak the inline protocol) and reports every INFO key
// verbatim, as BinaryEdge's redis module does. A server that wants a
// password answers `-NOAUTH …`: that is still an answer (status success,
// auth_required true).
import {
  Input, MapWriter, Output, STATUS_IO_TIMEOUT, STATUS_PROTOCOL_ERROR, Service, Socket, concatBytes, deadlineIn, errorName,
  isDigits, msUntil, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import { Info, MALFORMED, NEED_MORE, Reply, parseInfo, parseReply } from "./resp";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function infoData(info: Info, authRequired: bool): MapWriter {
  const m = new MapWriter();
  for (let i = 0; i < info.keys.length; i++) m.str(info.keys[i], info.values[i]);
  m.bool("auth_required", authRequired);
  if (info.truncated) m.bool("keys_truncated", true);
  return m;
}

function redisService(version: string): Service {
  return Service.of("redis", "Redis", version, version.length > 0 ? 1.0 : 0.9).addVersionCpe("redis", "redis");
}

/** Keys over all `dbN:keys=3,expires=0,…` lines of the Keyspace section; -1 if a count is unreadable. */
function keyCount(info: Info): i64 {
  let total: i64 = 0;
  for (let i = 0; i < info.keys.length; i++) {
    const k = info.keys[i];
    if (!k.startsWith("db") || k.length < 3 || !isDigits(k.substring(2))) continue;
    const v = info.values[i];
    if (!v.startsWith("keys=")) return -1;
    const comma = v.indexOf(",");
    const n = v.substring(5, comma < 0 ? v.length : comma);
    if (!isDigits(n) || n.length > 15) return -1;
    total += I64.parseInt(n);
  }
  return total;
}

/** The table's line (A8): who, open or not, how much data an open server hands out. */
function summary(info: Info): string {
  let line = "Redis " + info.get("redis_version");
  const mode = info.get("redis_mode");
  if (mode.length > 0) line += " " + mode;
  const role = info.get("role");
  if (role.length > 0) line += " " + role;
  line += ", no auth";
  const n = keyCount(info);
  if (n >= 0 && !info.truncated) line += ", " + n.toString() + (n == 1 ? " key" : " keys");
  return line;
}

/** The result of a reply that stopped short: the complete INFO lines so far. */
function partial(r: Reply, status: string, error: string): Output {
  const out = Output.fail(status, error);
  if (r.kind == 0x24 && r.body.length > 0) {
    const info = parseInfo(r.body, true);
    if (info.keys.length > 0) {
      out.setData(infoData(info, false));
      out.service = redisService(info.get("redis_version"));
    }
  }
  return out;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const maxBulk = <i32>input.config.getInt("max_reply_bytes", 262144);

  // every wait ends inside the invocation's wall time, so a slow server still yields a partial result
  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout)));
  if (!sock.ok) return Output.ioFail(sock.error, true);
  if (sock.sendString("INFO\r\n") < 0) return Output.ioFail(sock.error);

  const deadline = deadlineIn(timeout);
  let buf = new Uint8Array(0);
  let r = parseReply(buf, maxBulk);
  while (r.state == NEED_MORE) {
    const left = msUntil(deadline);
    if (left == 0) { sock.close(); return partial(r, STATUS_IO_TIMEOUT, "INFO reply incomplete after " + timeout.toString() + " ms"); }
    const got = sock.recv(65536, left);
    if (got === null) { sock.close(); return partial(r, statusForError(sock.error), errorName(sock.error)); }
    const chunk = got!;
    if (chunk.length == 0) return partial(r, STATUS_PROTOCOL_ERROR, "connection closed mid-reply");
    buf = concatBytes(buf, chunk);
    r = parseReply(buf, maxBulk);
  }
  sock.close();
  if (r.state == MALFORMED) return Output.fail(STATUS_PROTOCOL_ERROR, r.text);

  const out = new Output();
  if (r.kind == 0x2d) {
    // -NOAUTH (requirepass / ACL) or another refusal, e.g. -DENIED (protected mode): still Redis
    const m = new MapWriter().bool("auth_required", r.text.startsWith("NOAUTH")).str("error", r.text);
    out.service = redisService("");
    out.summary = r.text.startsWith("NOAUTH") ? "auth required" : "refused: " + r.text;
    return out.setData(m);
  }
  if (r.kind != 0x24 || r.nil) return Output.fail(STATUS_PROTOCOL_ERROR, "INFO answered without a bulk reply");
  const info = parseInfo(r.body, false);
  if (info.keys.length == 0) return Output.fail(STATUS_PROTOCOL_ERROR, "INFO reply has no key:value lines");
  out.service = redisService(info.get("redis_version"));
  out.summary = summary(info);
  return out.setData(infoData(info, false));
}

register(run);
