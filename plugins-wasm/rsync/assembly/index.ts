// rsync: a wasmap scanner for rsync daemons (port 873). Reads the
// `@RSYNCD: <version>` greeting, answers `@RSYNCD: 30.0` (protocol 30 needs
// no digest list, and every daemon since rsync 3.0 accepts it), asks for the
// module list with `#list`, and reads until `@RSYNCD: EXIT`. No module is
// opened and nothing is transferred.
import {
  ArrayWriter, Input, MapWriter, Output, STATUS_IO_TIMEOUT, STATUS_PROTOCOL_ERROR, Service, Socket, concatBytes, deadlineIn, errorName,
  msUntil, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import { Listing, MALFORMED, NEED_MORE, motdText, parseListing } from "./rsync";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** A module list longer than this is not read further. */
const MAX_REPLY: i32 = 262144;

/** The table's line (A8): the protocol and what anyone can list. */
function summary(l: Listing): string {
  let line = "protocol " + l.protocolVersion;
  if (l.error.length > 0) return line + "; " + l.error;
  const n = l.modules.length;
  if (n == 0) return line + "; no modules listed";
  const names = new Array<string>(0);
  for (let i = 0; i < n && i < 10; i++) names.push(l.modules[i].name);
  line += n > 10 ? "; modules (" + n.toString() + "): " + names.join(", ") + ", …" : "; modules: " + names.join(", ");
  return line;
}

function result(l: Listing, status: string, error: string): Output {
  const out = Output.fail(status, error);
  if (!l.greeted) return out;
  const m = new MapWriter().str("banner", l.banner).str("protocol_version", l.protocolVersion).strArray("digests", l.digests);
  const motd = motdText(l);
  if (motd.length > 0) m.str("motd", motd);
  const a = new ArrayWriter();
  for (let i = 0; i < l.modules.length; i++) a.map(new MapWriter().str("name", l.modules[i].name).str("comment", l.modules[i].comment));
  m.array("modules", a);
  if (l.dropped > 0) m.int("lines_dropped", l.dropped);
  if (l.error.length > 0 && l.state != MALFORMED) m.str("error", l.error);
  out.setData(m);
  const s = new Service("rsync");
  s.product = "rsync";
  s.extrainfo = "protocol " + l.protocolVersion;
  s.confidence = 1.0;
  out.service = s;
  if (status == "success") out.summary = summary(l);
  return out;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);

  // every wait ends inside the invocation's wall time, so a slow server still yields a partial result
  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout)));
  if (!sock.ok) return Output.ioFail(sock.error, true);

  let deadline = deadlineIn(timeout);
  let buf = new Uint8Array(0);
  let l = parseListing(buf);
  let asked = false;
  while (l.state == NEED_MORE) {
    if (l.greeted && !asked) {
      asked = true;
      deadline = deadlineIn(timeout); // a fresh allowance for the list
      if (sock.sendString("@RSYNCD: 30.0\n#list\n") < 0) { sock.close(); return result(l, statusForError(sock.error), errorName(sock.error)); }
    }
    if (buf.length >= MAX_REPLY) { sock.close(); return result(l, STATUS_PROTOCOL_ERROR, "reply longer than " + MAX_REPLY.toString() + " bytes"); }
    const left = msUntil(deadline);
    if (left == 0) { sock.close(); return result(l, STATUS_IO_TIMEOUT, (l.greeted ? "module list" : "greeting") + " incomplete after " + timeout.toString() + " ms"); }
    const got = sock.recv(MAX_REPLY - buf.length, left);
    if (got === null) { sock.close(); return result(l, statusForError(sock.error), errorName(sock.error)); }
    const chunk = got!;
    if (chunk.length == 0) return result(l, STATUS_PROTOCOL_ERROR, "connection closed before @RSYNCD: EXIT");
    buf = concatBytes(buf, chunk);
    l = parseListing(buf);
  }
  sock.close();
  if (l.state == MALFORMED) return result(l, STATUS_PROTOCOL_ERROR, l.error);
  return result(l, "success", "");
}

register(run);
