// Exercises every host binding through the SDK wrappers; `config.mode` picks one.
import {
  Input, MapWriter, Output, Socket, UdpSocket, emitMap, errorName, logDebug, logError, logInfo, logWarn,
  nowMs, register, resolve, resolveError, sleepMs, statusForError,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function failed(code: i32, connecting: bool): Output {
  const out = Output.fail(statusForError(code, connecting), errorName(code));
  out.setData(new MapWriter().int("code", code));
  return out;
}

function run(input: Input): Output {
  const t = input.target!;
  const mode = input.config.getString("mode");
  const out = new Output();
  const d = new MapWriter();
  if (mode == "udp") {
    const u = UdpSocket.open(t.ip, t.port);
    if (!u.ok) return failed(u.error, true);
    u.send(Uint8Array.wrap(String.UTF8.encode("ping")));
    const r = u.recv(512, 5000);
    if (r === null) return failed(u.error, false);
    d.str("reply", String.UTF8.decode(r.buffer));
    u.close();
    return out.setData(d);
  }
  if (mode == "misc") {
    logDebug("debug line");
    logInfo("info line");
    logWarn("warn line");
    logError("error line");
    emitMap(new MapWriter().str("emitted", "first"));
    const before = nowMs();
    sleepMs(20);
    const addrs = resolve("localhost");
    d.int("slept_ms", nowMs() - before);
    if (addrs === null) d.int("resolve_error", resolveError());
    else d.strArray("localhost", addrs);
    return out.setData(d);
  }
  const s = Socket.connect(t.ip, t.port, 5000);
  if (!s.ok) return failed(s.error, true);
  if (mode == "banner") {
    const line = s.readLine(512, 5000);
    if (line === null) return failed(s.error, false);
    d.str("line", line);
  } else if (mode == "redis") {
    s.sendString("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n");
    const len = s.readLine(64, 5000);
    const body = s.readExactly(7, 5000);
    if (len === null || body === null) return failed(s.error, false);
    d.str("len", len).bin("body", body);
    // nothing more comes: a short wait ends in ETIMEDOUT, not a hang
    const more = s.readLine(64, 200);
    d.str("after", more === null ? errorName(s.error) : more);
  } else if (mode == "tls") {
    const rc = s.tlsUpgrade("localhost", 5000);
    if (rc < 0) return failed(rc, false);
    const info = s.tlsInfo();
    if (info === null) return failed(s.error, false);
    d.str("version", info.version).str("cipher", info.cipher).int("chain", info.chain.length);
    if (info.chain.length > 0) d.bin("leaf", info.chain[0]);
    s.sendString("HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n");
    const status = s.readLine(256, 5000);
    d.str("status", status === null ? errorName(s.error) : status);
    const head = s.readRemaining(8192, 3000);
    d.int("rest", head.length);
  }
  s.close();
  d.int("close_again", s.close());
  return out.setData(d);
}

register(run);
