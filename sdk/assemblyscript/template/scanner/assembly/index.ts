// {{name}}: a wasmap `{{kind}}` plugin. The host calls `run` once per
// matching open port; it connects, optionally sends `probe`, and reports the
// first line the service sends. Build: see README.md.
import {
  Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Socket, errorName, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
// the ABI exports, implemented by the SDK around `run`
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function run(input: Input): Output {
  const target = input.target!; // always present for scanners
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const sock = Socket.connect(target.ip, target.port, timeout);
  if (!sock.ok) return Output.fail(statusForError(sock.error, true), errorName(sock.error));

  const probe = input.config.getString("probe");
  if (probe.length > 0 && sock.sendString(probe) < 0) return Output.fail(statusForError(sock.error), errorName(sock.error));

  const line = sock.readLine(4096, timeout);
  sock.close();
  if (line === null) {
    // peer closed without a line (error 0) or a timeout/reset
    return sock.error == 0 ? Output.fail(STATUS_PROTOCOL_ERROR, "closed before a full line") : Output.fail(statusForError(sock.error), errorName(sock.error));
  }
  // TODO: parse `line` into fields worth reporting
  const out = new Output().setData(new MapWriter().str("banner", line).int("port", target.port));
  out.summary = line; // the line `wasmap scan` prints under the port: `{{name}}: <line>`
  return out;
}

register(run);
