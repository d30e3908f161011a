// rdp: a wasmap scanner for Remote Desktop servers (MS-RDPBCGR; port 3389).
// One connection per security protocol, each only an X.224 Connection
// Request with RDP_NEG_REQ (2.2.1.1) answered by a Connection Confirm
// (2.2.1.2): the server selects the protocol (RDP_NEG_RSP) or says why not
// (RDP_NEG_FAILURE). Which of standard RDP security, TLS, CredSSP (HYBRID),
// HYBRID_EX and RDSTLS it accepts gives `nla_required`. Where TLS or CredSSP
// is selected, the TLS handshake that would follow is made through the host
// and the certificate chain parsed with the ssl plugin's X.509 code. Where
// CredSSP is selected, one CredSSP round (credssp.ts) reads the NTLM
// CHALLENGE's host names. It never sends MCS PDUs or credentials.
import {
  ArrayWriter, Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Service, Socket, deadlineIn, errorName, nowMs, register,
  statusForError,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { certInfo, leafSummary } from "@wasmap/sdk-assemblyscript";
import { ntlmChallengeInfo } from "./credssp";
import { waitMs } from "./wait";
import {
  Confirm, PROTOCOL_HYBRID, PROTOCOL_HYBRID_EX, PROTOCOL_RDP, PROTOCOL_RDSTLS, PROTOCOL_SSL, connectionRequest, failureName,
  parseConfirm, responseFlags, tpktLength,
} from "./x224";

/** One negotiation to try: what is asked for, and what the server must select for it to count as supported. */
class Probe {
  constructor(public name: string, public label: string, public requested: u32, public wanted: u32) {}
}

// TLS first: its connection also carries the certificate. HYBRID and
// HYBRID_EX are asked for with SSL, as 2.2.1.1.1 says a client does.
const PROBES: StaticArray<Probe> = [
  new Probe("tls", "TLS", PROTOCOL_SSL, PROTOCOL_SSL),
  new Probe("rdp", "standard RDP security", PROTOCOL_RDP, PROTOCOL_RDP),
  new Probe("hybrid", "CredSSP (NLA)", PROTOCOL_SSL | PROTOCOL_HYBRID, PROTOCOL_HYBRID),
  new Probe("hybrid_ex", "CredSSP with Early User Authorization (NLA)", PROTOCOL_SSL | PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX, PROTOCOL_HYBRID_EX),
  new Probe("rdstls", "RDSTLS", PROTOCOL_RDSTLS, PROTOCOL_RDSTLS),
];

function protocolName(p: u32): string {
  if (p == PROTOCOL_RDP) return "rdp";
  if (p == PROTOCOL_SSL) return "tls";
  if (p == PROTOCOL_HYBRID) return "hybrid";
  if (p == PROTOCOL_RDSTLS) return "rdstls";
  if (p == PROTOCOL_HYBRID_EX) return "hybrid_ex";
  return "0x" + p.toString(16);
}

/** One Connection Request / Confirm; `error` is set when the exchange itself failed. */
class Exchange {
  status: string = "";
  error: string = "";
  confirm: Confirm | null = null;
  sock: Socket | null = null;
}

function negotiate(ip: string, port: i32, requested: u32, timeout: i32): Exchange {
  const x = new Exchange();
  const deadline = deadlineIn(timeout);
  const sock = Socket.connect(ip, port, waitMs(deadline));
  if (!sock.ok) { x.status = statusForError(sock.error, true); x.error = errorName(sock.error); return x; }
  x.sock = sock;
  if (sock.send(connectionRequest(requested)) < 0) return lost(x, sock, "sending the Connection Request");
  const head = sock.readExactly(4, waitMs(deadline));
  if (head === null) return lost(x, sock, "reading the Connection Confirm");
  const n = tpktLength(head);
  if (n < 0) {
    x.status = STATUS_PROTOCOL_ERROR;
    x.error = "not an RDP reply: TPKT header " + hexOf(head);
    return x;
  }
  const rest = sock.readExactly(n - 4, waitMs(deadline));
  if (rest === null) return lost(x, sock, "reading the Connection Confirm");
  const all = new Uint8Array(n);
  all.set(head!, 0);
  all.set(rest!, 4);
  const c = parseConfirm(all);
  if (c.error.length > 0) { x.status = STATUS_PROTOCOL_ERROR; x.error = c.error; return x; }
  x.confirm = c;
  return x;
}

function lost(x: Exchange, sock: Socket, what: string): Exchange {
  const e = sock.error;
  x.status = e == 0 ? STATUS_PROTOCOL_ERROR : statusForError(e);
  x.error = (e == 0 ? "connection closed " : errorName(e) + " ") + what;
  return x;
}

function hexOf(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

/** After the TLS handshake that follows a Confirm selecting TLS or CredSSP: version, cipher and certificate chain into `data`. */
function readTls(sock: Socket, data: MapWriter): string {
  const info = sock.tlsInfo();
  if (info === null) { data.str("tls_error", "tls_info: " + errorName(sock.error)); return ""; }
  data.map("tls", new MapWriter().str("version", info.version).str("cipher", info.cipher));
  data.map("cert_info", certInfo(info.chain, nowMs()));
  return leafSummary(info.chain, nowMs());
}

/** What the probes found so far. */
class State {
  supported: Array<string> = new Array<string>(0);
  labels: Array<string> = new Array<string>(0);
  failures: Array<u32> = new Array<u32>(0);
  legacy: bool = false;
  flags: u8 = 0;
  tlsRead: bool = false;
  ntlmRead: bool = false;
  cert: string = "";
  ntlm: string = "";

  accept(name: string, label: string): void {
    if (!this.supported.includes(name)) { this.supported.push(name); this.labels.push(label); }
  }
}

/**
 * After a Confirm selecting TLS or CredSSP: the TLS handshake (once for the
 * certificate, once more only if CredSSP is first selected later), then the
 * CredSSP round on the first CredSSP connection.
 */
function followTls(sock: Socket, selected: u32, s: State, input: Input, timeout: i32, data: MapWriter): void {
  const credssp = selected == PROTOCOL_HYBRID || selected == PROTOCOL_HYBRID_EX;
  const ntlmNext = credssp && !s.ntlmRead && input.config.getBool("ntlm_info", true);
  const certNext = (credssp || selected == PROTOCOL_SSL) && !s.tlsRead && input.config.getBool("certificate", true);
  if (!ntlmNext && !certNext) return;
  if (certNext) s.tlsRead = true;
  if (ntlmNext) s.ntlmRead = true;
  if (sock.tlsUpgrade("", waitMs(deadlineIn(timeout))) < 0) {
    const why = "TLS handshake: " + errorName(sock.error);
    if (certNext) data.str("tls_error", why);
    if (ntlmNext) data.str("ntlm_error", why);
    return;
  }
  if (certNext) s.cert = readTls(sock, data);
  if (ntlmNext) {
    const n = ntlmChallengeInfo(sock, timeout);
    if (n.map !== null) data.map("ntlm_info", n.map!);
    else data.str("ntlm_error", n.error);
    s.ntlm = n.summary;
  }
}

function run(input: Input): Output {
  const t = input.target!;
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const data = new MapWriter();
  const probes = new ArrayWriter();
  const s = new State();
  let answered = 0;

  for (let i = 0; i < PROBES.length; i++) {
    const p = PROBES[i];
    const x = negotiate(t.ip, t.port, p.requested, timeout);
    const entry = new MapWriter().str("protocol", p.name).int("requested_protocols", p.requested);
    const c = x.confirm;
    if (c === null) {
      if (x.sock !== null) x.sock!.close();
      // the first exchange decides whether this is RDP at all
      if (answered == 0) return Output.fail(x.status, x.error);
      probes.map(entry.str("error", x.error));
      continue;
    }
    answered++;
    const sock = x.sock!;
    if (!c.negotiated) {
      s.legacy = true; // RDP 4.0/5.0/5.1: standard security, whatever was asked
      entry.str("selected", "rdp").bool("negotiation_supported", false);
      s.accept("rdp", "standard RDP security");
    } else if (c.failed) {
      entry.str("failure", failureName(c.failureCode));
      if (!s.failures.includes(c.failureCode)) s.failures.push(c.failureCode);
    } else {
      entry.str("selected", protocolName(c.selected));
      s.flags |= c.flags;
      if (c.selected == p.wanted) s.accept(p.name, p.label);
      followTls(sock, c.selected, s, input, timeout, data);
    }
    sock.close();
    probes.map(entry);
  }
  return result(s, data, probes);
}

/** data, summary and service from what the probes found. */
function result(s: State, data: MapWriter, probes: ArrayWriter): Output {
  const supported = s.supported;
  const plain = supported.includes("rdp") || supported.includes("tls");
  const credssp = supported.includes("hybrid") || supported.includes("hybrid_ex");
  // 5 HYBRID_REQUIRED_BY_SERVER, 6 SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER: the server says so itself
  const nla = !plain && (credssp || s.failures.includes(5) || s.failures.includes(6));
  const arr = new ArrayWriter();
  for (let i = 0; i < supported.length; i++) arr.str(supported[i]);
  data.array("security_protocols", arr);
  data.bool("nla_required", nla);
  data.bool("negotiation_supported", !s.legacy);
  const fl = responseFlags(s.flags);
  const fa = new ArrayWriter();
  for (let i = 0; i < fl.length; i++) fa.str(fl[i]);
  data.array("server_flags", fa);
  data.array("probes", probes);

  const out = new Output();
  let line = "RDP: " + (s.labels.length > 0 ? s.labels.join(", ") : "no security protocol accepted");
  line += nla ? "; NLA required" : "; NLA not required";
  if (s.ntlm.length > 0) line += "; " + s.ntlm;
  if (s.cert.length > 0) line += "; " + s.cert;
  out.summary = line;
  const svc = Service.of("ms-wbt-server", "", "", 1.0);
  if (supported.length > 0) svc.extrainfo = "security " + supported.join("/");
  out.service = svc;
  return out.setData(data);
}

register(run);
