// telnet: a wasmap scanner for Telnet servers (port 23, RFC 854). Sends
// nothing first; reads the server's opening bytes, refuses every option it
// asks for (DO → WONT, WILL → DONT, RFC 1143's safe answer) so the server
// stops negotiating and shows its banner, and reads until a login prompt,
// `idle_ms` of silence after text, or `read_ms` in all. Never logs in.
import {
  ArrayWriter, ETIMEDOUT, Input, MapWriter, Output, STATUS_IO_TIMEOUT, STATUS_PROTOCOL_ERROR, Service, Socket, concatBytes, errorName,
  deadlineIn, msUntil, nowMs, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
import { DO, DONT, IAC, Parsed, WILL, WONT, bannerText, optionName, parseTelnet, refusal } from "./telnet";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** Most bytes read in all, and most refusals sent (a server that re-asks forever gets no more). */
const MAX_STREAM: i32 = 65536;
const MAX_REPLIES: i32 = 128;

function looksLikePrompt(text: string): bool {
  const t = text.trimEnd().toLowerCase();
  return t.endsWith("login:") || t.endsWith("username:") || t.endsWith("user name:") || t.endsWith("password:");
}

/** Distinct option codes of one verb, in order of first appearance. */
function distinctOptions(p: Parsed, verb: u8): Array<u8> {
  const out = new Array<u8>(0);
  const seen = new Set<u8>();
  for (let i = 0; i < p.negotiations.length; i++) {
    const n = p.negotiations[i];
    if (n.verb != verb || seen.has(n.option)) continue;
    seen.add(n.option);
    out.push(n.option);
  }
  return out;
}

/** An option's name, or its number when it has none. */
function nameOf(option: u8): string {
  const name = optionName(option);
  return name.length > 0 ? name : option.toString();
}

/** Distinct options of one verb as {name, value}. */
function options(p: Parsed, verb: u8): ArrayWriter {
  const a = new ArrayWriter();
  const codes = distinctOptions(p, verb);
  for (let i = 0; i < codes.length; i++) a.map(new MapWriter().str("name", nameOf(codes[i])).int("value", codes[i]));
  return a;
}

/** Distinct option names of one verb. */
function optionNames(p: Parsed, verb: u8): Array<string> {
  const codes = distinctOptions(p, verb);
  const out = new Array<string>(0);
  for (let i = 0; i < codes.length; i++) out.push(nameOf(codes[i]));
  return out;
}

/** The table's line (A8): which prompt it shows, its first line of text, the options it offers, how many it asks for. */
function summary(p: Parsed): string {
  const parts = new Array<string>(0);
  const text = bannerText(p);
  const lines = text.split("\n");
  const prompt = looksLikePrompt(text);
  if (prompt) parts.push(text.trimEnd().toLowerCase().endsWith("password:") ? "password prompt" : "login prompt");
  // the first line of text that is not the prompt itself
  const last = prompt ? lines.length - 1 : lines.length;
  for (let i = 0; i < last; i++) {
    const l = lines[i].trim();
    if (l.length == 0) continue;
    parts.push("\"" + (l.length > 80 ? l.substring(0, 80) + "…" : l) + "\"");
    break;
  }
  const will = optionNames(p, WILL);
  if (will.length > 0) parts.push("will: " + will.join(", "));
  const asks = optionNames(p, DO);
  // what it asks of the client (terminal type, window size, …) matters less: just how many
  if (asks.length > 0) parts.push("asks " + asks.length.toString() + (asks.length == 1 ? " option" : " options"));
  return parts.join("; ");
}

function result(p: Parsed, status: string, error: string): Output {
  const out = Output.fail(status, error);
  if (p.text.length == 0 && p.negotiations.length == 0) return out;
  const m = new MapWriter().str("banner", bannerText(p))
    .array("will", options(p, WILL)).array("do", options(p, DO)).array("wont", options(p, WONT)).array("dont", options(p, DONT));
  if (p.textDropped > 0) m.bool("banner_truncated", true);
  out.setData(m);
  if (p.negotiations.length > 0) {
    const s = new Service("telnet");
    s.confidence = 1.0;
    out.service = s;
  }
  if (status == "success") out.summary = summary(p);
  return out;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const readMs = <i32>input.config.getInt("read_ms", 5000);
  const idleMs = <i32>input.config.getInt("idle_ms", 1000);
  const maxBanner = <i32>input.config.getInt("max_banner", 2048);

  // every wait ends inside the invocation's wall time, so a slow server still yields a partial result
  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout)));
  if (!sock.ok) return Output.ioFail(sock.error, true);

  const deadline = deadlineIn(readMs);
  let buf = new Uint8Array(0);
  let p = parseTelnet(buf, maxBanner);
  let answered = 0;
  let replies = 0;
  while (buf.length < MAX_STREAM) {
    const left = msUntil(deadline);
    if (left == 0) break;
    const wait = p.text.length > 0 ? min(idleMs, left) : left;
    const got = sock.recv(MAX_STREAM - buf.length, wait);
    if (got === null) {
      if (sock.error == ETIMEDOUT) break; // silence: the normal end
      sock.close();
      return result(p, statusForError(sock.error), errorName(sock.error));
    }
    const chunk = got!;
    if (chunk.length == 0) break; // closed by the server
    buf = concatBytes(buf, chunk);
    p = parseTelnet(buf, maxBanner);
    if (p.error.length > 0) { sock.close(); return result(p, STATUS_PROTOCOL_ERROR, p.error); }
    // refuse each new request, all in one send
    const reply: u8[] = [];
    for (; answered < p.negotiations.length; answered++) {
      const n = p.negotiations[answered];
      const r = refusal(n.verb);
      if (r == 0 || replies >= MAX_REPLIES) continue;
      replies++;
      reply.push(IAC);
      reply.push(r);
      reply.push(n.option);
    }
    if (reply.length > 0) {
      const out = new Uint8Array(reply.length);
      for (let i = 0; i < reply.length; i++) out[i] = reply[i];
      if (sock.send(out) < 0) { sock.close(); return result(p, statusForError(sock.error), errorName(sock.error)); }
    }
    if (looksLikePrompt(bannerText(p))) break;
  }
  sock.close();
  if (buf.length == 0) {
    if (nowMs() >= deadline) return Output.fail(STATUS_IO_TIMEOUT, "nothing received in " + readMs.toString() + " ms");
    return Output.fail(STATUS_PROTOCOL_ERROR, "connection closed without data");
  }
  return result(p, "success", "");
}

register(run);
