// smb: a wasmap scanner for SMB servers (port 445, direct TCP; port 139
// after a NetBIOS session request). On one
// connection it sends what Windows sends first, a multi-protocol SMB1
// NEGOTIATE naming "NT LM 0.12", "SMB 2.002" and "SMB 2.???"; an SMB2 server
// answers 2.???, and an SMB2 NEGOTIATE with every dialect up to 3.1.1
// follows. Then SESSION_SETUP with an NTLMSSP NEGOTIATE: the CHALLENGE names
// the host and domain and carries an OS version. Then an anonymous (null)
// AUTHENTICATE; when the server accepts it, TREE_CONNECT to IPC$, the srvsvc
// pipe, a DCE/RPC bind and NetrShareEnum level 1: the shares anyone can list.
// More connections, each one NEGOTIATE: SMB1 dialects alone (is SMB1 on?
// then its SESSION_SETUP's NativeOS/NativeLanMan), and each SMB2 dialect
// alone (which are offered). It never sends a user name or password.
import {
  ArrayWriter, Input, MapWriter, isDigit, NtlmChallenge, Output, STATUS_PROTOCOL_ERROR, Service, Socket,
  deadlineIn, findNtlmssp, msUntil, ntlmAnonymousAuthenticate, ntlmNegotiate, parseNtlmChallenge, register,
} from "@wasmap/sdk-assemblyscript";
import {
  Ids1, MULTI_DIALECTS, Negotiate1, SMB1_DIALECTS, SessionSetup1, isSmb1, negotiate1, parseNegotiate1, parseSessionSetup1, sessionSetup1, smb1Status, uidOf,
} from "./smb1";
import { Smb1Pipe } from "./smb1-pipe";
import { Smb2Pipe } from "./smb2-pipe";
import {
  DIALECTS, DIALECT_WILDCARD, Ids, Negotiate2, STATUS_MORE_PROCESSING_REQUIRED, STATUS_SUCCESS, cipherName, dialectName,
  parseNegotiate, parseSessionSetup, negotiate, sessionIdOf, sessionSetup, status,
} from "./smb2";
import { negTokenInit, negTokenResp } from "./spnego";
import { listShares } from "./shares";
import { ShareList } from "./srvsvc";
import { Stop } from "@wasmap/sdk-assemblyscript";
import { Conn, exchange } from "./wire";
import { ntStatusName } from "./nt-status";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** Everything learnt so far: each step adds to it, so a failure still reports the rest. */
class Session {
  /** The SMB2 NEGOTIATE response to every dialect at once: the server's best. */
  neg2: Negotiate2 | null = null;
  /** The SMB1 NEGOTIATE response to SMB1 dialects alone, when the server chose one. */
  neg1: Negotiate1 | null = null;
  /** Whether the SMB1-only NEGOTIATE was tried and what it found. */
  smb1Tried: bool = false;
  dialects: i32[] = [];
  challenge: NtlmChallenge | null = null;
  ntlmError: string = "";
  nativeOs: string = "";
  nativeLanMan: string = "";
  primaryDomain: string = "";
  anonTried: bool = false;
  anonStatus: u32 = 0;
  anonFlags: i32 = 0;
  ipcStatus: u32 = 0;
  shares: ShareList | null = null;
  shareError: string = "";
  /** SMB ran inside a NetBIOS session (port 139), not direct TCP. */
  netbios: bool = false;

  get anonAccepted(): bool { return this.anonTried && this.anonStatus == STATUS_SUCCESS; }
}

/** Where and how to reach the server: every connection of a scan is made alike. */
class Endpoint {
  constructor(public ip: string, public port: i32, public timeout: i32, public netbios: bool) {}
}

/** A connection, past the NetBIOS session request when the endpoint needs one; its `stop` is set when either failed. */
function connect(e: Endpoint): Conn {
  const sock = Socket.connect(e.ip, e.port, msUntil(deadlineIn(e.timeout)));
  const c = new Conn(sock);
  if (!sock.ok) {
    const o = Output.ioFail(sock.error, true);
    c.stop = new Stop(o.status, o.error);
  } else if (e.netbios) c.sessionRequest(e.timeout);
  return c;
}

/**
 * The multi-protocol NEGOTIATE, then (on 2.???) the SMB2 one with every
 * dialect. Null with `c.stop` when the server does not speak SMB at all.
 */
function negotiateBest(c: Conn, s: Session, ids: Ids, timeout: i32): bool {
  const m = exchange(c, negotiate1(MULTI_DIALECTS), timeout, "NEGOTIATE");
  if (m === null) return false;
  if (isSmb1(m)) {
    // no SMB2: the server picked NT LM 0.12 (or nothing)
    const n = parseNegotiate1(m);
    if (n === null) { c.fail("not an SMB NEGOTIATE response"); return false; }
    s.smb1Tried = true;
    if (n.dialectIndex == 0) s.neg1 = n;
    return true;
  }
  let n2 = parseNegotiate(m);
  if (n2 === null) { c.fail("not an SMB NEGOTIATE response"); return false; }
  if (n2.dialect == DIALECT_WILDCARD) {
    ids.messageId = 1;
    const m2 = exchange(c, negotiate(ids, DIALECTS), timeout, "SMB2 NEGOTIATE");
    if (m2 === null) return false;
    n2 = parseNegotiate(m2);
    if (n2 === null) { c.fail("not an SMB2 NEGOTIATE response"); return false; }
    if (status(m2) != STATUS_SUCCESS) { c.fail("SMB2 NEGOTIATE refused: " + ntStatusName(status(m2))); return false; }
  }
  s.neg2 = n2;
  return true;
}

/** NTLMSSP NEGOTIATE → CHALLENGE, then the anonymous AUTHENTICATE. True when a null session holds. */
function anonymousSession(c: Conn, s: Session, ids: Ids, timeout: i32): bool {
  const m = exchange(c, sessionSetup(ids, negTokenInit(ntlmNegotiate())), timeout, "SESSION_SETUP");
  if (m === null) return false;
  const r = parseSessionSetup(m);
  if (r === null) { c.fail("not a SESSION_SETUP response"); return false; }
  // a refusal (Kerberos only, say) is an answer, not a failure
  if (status(m) != STATUS_MORE_PROCESSING_REQUIRED) { s.ntlmError = "SESSION_SETUP with NTLMSSP refused: " + ntStatusName(status(m)); return false; }
  const at = findNtlmssp(r.token);
  const ch: NtlmChallenge | null = at < 0 ? null : parseNtlmChallenge(r.token.subarray(at));
  if (ch === null) { c.fail("no NTLMSSP CHALLENGE in the SESSION_SETUP response"); return false; }
  s.challenge = ch;
  ids.sessionId = sessionIdOf(m);
  const m2 = exchange(c, sessionSetup(ids, negTokenResp(ntlmAnonymousAuthenticate(ch.flags))), timeout, "anonymous SESSION_SETUP");
  if (m2 === null) return false;
  const r2 = parseSessionSetup(m2);
  if (r2 === null) { c.fail("not a SESSION_SETUP response"); return false; }
  s.anonTried = true;
  s.anonStatus = status(m2);
  s.anonFlags = r2.flags;
  return s.anonAccepted;
}

/**
 * SMB1 dialects alone; with one chosen, an extended-security SESSION_SETUP
 * for the product strings (and the CHALLENGE, if SMB2 gave none). On a
 * server without SMB2, the null session and the share listing too, over SMB1.
 */
function probeSmb1(e: Endpoint, s: Session, wantShares: bool): void {
  const timeout = e.timeout;
  const c = connect(e);
  if (c.stop !== null) return;
  s.smb1Tried = true;
  const m = exchange(c, negotiate1(SMB1_DIALECTS), timeout, "SMB1 NEGOTIATE");
  // a server without SMB2 may close the connection instead of answering "none"
  if (m === null) { c.sock.close(); return; }
  const n = parseNegotiate1(m);
  if (n !== null && n.dialectIndex == SMB1_DIALECTS.length - 1) {
    s.neg1 = n;
    const m2 = exchange(c, sessionSetup1(negTokenInit(ntlmNegotiate())), timeout, "SMB1 SESSION_SETUP");
    const r: SessionSetup1 | null = m2 === null ? null : parseSessionSetup1(m2);
    if (r !== null) {
      s.nativeOs = r.nativeOs;
      s.nativeLanMan = r.nativeLanMan;
      s.primaryDomain = r.primaryDomain;
      const at = findNtlmssp(r.blob);
      const ch: NtlmChallenge | null = at >= 0 ? parseNtlmChallenge(r.blob.subarray(at)) : null;
      if (s.challenge === null) s.challenge = ch;
      if (s.neg2 === null && ch !== null && smb1Status(m2!) == STATUS_MORE_PROCESSING_REQUIRED) anonymousSmb1(c, s, ch, uidOf(m2!), timeout, e.ip, wantShares);
    }
  }
  c.sock.close();
}

/** The anonymous AUTHENTICATE over SMB1 and, when it holds, the share listing through SMB1's named-pipe path. */
function anonymousSmb1(c: Conn, s: Session, ch: NtlmChallenge, uid: i32, timeout: i32, server: string, wantShares: bool): void {
  const ids = new Ids1();
  ids.uid = uid;
  const m = exchange(c, sessionSetup1(negTokenResp(ntlmAnonymousAuthenticate(ch.flags)), ids), timeout, "anonymous SMB1 SESSION_SETUP");
  if (m === null) return;
  s.anonTried = true;
  s.anonStatus = smb1Status(m);
  if (!s.anonAccepted) return;
  const r = parseSessionSetup1(m);
  // SMB1's Action has only the guest bit (MS-CIFS §2.2.4.53.2)
  s.anonFlags = r !== null ? r.action & 0x1 : 0;
  if (!wantShares) return;
  const l = listShares(new Smb1Pipe(c, timeout, ids), server);
  s.shares = l.list;
  s.shareError = l.error;
  const lost = c.stop;
  if (lost !== null) { s.shareError = lost.error; c.stop = null; }
}

/** One SMB2 NEGOTIATE per dialect: the server names the dialect back when it speaks it. */
function probeDialects(e: Endpoint, s: Session): void {
  const timeout = e.timeout;
  const best = s.neg2!.dialect;
  for (let i = 0; i < DIALECTS.length; i++) {
    const d = DIALECTS[i];
    if (d == best) { s.dialects.push(d); continue; }
    if (d > best) continue; // the server chose the highest it speaks
    const c = connect(e);
    if (c.stop !== null) return;
    const m = exchange(c, negotiate(new Ids(), [d]), timeout, "SMB2 NEGOTIATE " + dialectName(d));
    c.sock.close();
    if (m === null) continue; // a closed connection is a refusal
    const n = parseNegotiate(m);
    if (n !== null && status(m) == STATUS_SUCCESS && n.dialect == d) s.dialects.push(d);
  }
}

const CAPABILITIES: string[] = ["DFS", "LEASING", "LARGE_MTU", "MULTI_CHANNEL", "PERSISTENT_HANDLES", "DIRECTORY_LEASING", "ENCRYPTION"];

function capabilityNames(caps: u32): ArrayWriter {
  const a = new ArrayWriter();
  for (let i = 0; i < CAPABILITIES.length; i++) if ((caps & (1 << i)) != 0) a.str(CAPABILITIES[i]);
  return a;
}

/** "Samba 4.17.12-Debian" → ["Samba smbd", "4.17.12"] (the version's digits and dots, as CPEs name releases). */
function product(s: Session): string[] {
  const lm = s.nativeLanMan;
  if (lm.startsWith("Samba ")) {
    let end = 6;
    while (end < lm.length && (isDigit(lm.charCodeAt(end)) || lm.charCodeAt(end) == 0x2e)) end++;
    return ["Samba smbd", lm.substring(6, end)];
  }
  if (lm.length > 0) return [lm, ""];
  return ["", ""];
}

function ntlmData(ch: NtlmChallenge): MapWriter {
  const m = new MapWriter();
  m.str("target_name", ch.targetName);
  if (ch.nbComputerName.length > 0) m.str("netbios_computer_name", ch.nbComputerName);
  if (ch.nbDomainName.length > 0) m.str("netbios_domain_name", ch.nbDomainName);
  if (ch.dnsComputerName.length > 0) m.str("dns_computer_name", ch.dnsComputerName);
  if (ch.dnsDomainName.length > 0) m.str("dns_domain_name", ch.dnsDomainName);
  if (ch.dnsTreeName.length > 0) m.str("dns_tree_name", ch.dnsTreeName);
  if (ch.hasVersion) m.str("os_version", ch.version).int("ntlm_revision", ch.revision);
  if (ch.timestampMs >= 0) m.int("timestamp_ms", ch.timestampMs);
  m.int("flags", ch.flags);
  return m;
}

function signingRequired(s: Session): bool {
  const n2 = s.neg2;
  if (n2 !== null) return n2.signingRequired;
  const n1 = s.neg1;
  return n1 !== null && n1.signingRequired;
}

function data(s: Session): MapWriter {
  const m = new MapWriter();
  const n2 = s.neg2;
  const n1 = s.neg1;
  m.str("transport", s.netbios ? "netbios-session" : "direct-tcp");
  if (n2 !== null) {
    m.str("dialect", dialectName(n2.dialect));
    if (s.dialects.length > 0) {
      const a = new ArrayWriter();
      for (let i = 0; i < s.dialects.length; i++) a.str(dialectName(s.dialects[i]));
      m.array("dialects", a);
    }
  }
  if (s.smb1Tried) {
    m.bool("smb1_enabled", n1 !== null);
    if (n1 !== null) m.str("smb1_dialect", "NT LM 0.12");
  }
  if (n2 !== null) {
    m.bool("signing_enabled", n2.signingEnabled).bool("signing_required", n2.signingRequired);
    m.str("server_guid", n2.serverGuid);
    if (n2.systemTimeMs >= 0) m.int("system_time_ms", n2.systemTimeMs);
    if (n2.startTimeMs >= 0) m.int("server_start_time_ms", n2.startTimeMs);
    m.array("capabilities", capabilityNames(n2.capabilities));
    m.int("max_transact_size", n2.maxTransact).int("max_read_size", n2.maxRead).int("max_write_size", n2.maxWrite);
    if (n2.cipher >= 0) m.str("encryption_cipher", cipherName(n2.cipher));
  }
  if (n1 !== null) {
    m.bool("smb1_signing_enabled", n1.signingEnabled).bool("smb1_signing_required", n1.signingRequired);
    if (n2 === null) {
      m.bool("signing_enabled", n1.signingEnabled).bool("signing_required", n1.signingRequired);
      if (n1.systemTimeMs >= 0) m.int("system_time_ms", n1.systemTimeMs);
      if (n1.serverGuid.length > 0) m.str("server_guid", n1.serverGuid);
    }
    if (n1.domain.length > 0) m.str("smb1_domain", n1.domain);
    if (n1.server.length > 0) m.str("smb1_server", n1.server);
  }
  if (s.nativeOs.length > 0) m.str("native_os", s.nativeOs);
  if (s.nativeLanMan.length > 0) m.str("native_lanman", s.nativeLanMan);
  if (s.primaryDomain.length > 0) m.str("primary_domain", s.primaryDomain);
  const ch = s.challenge;
  if (ch !== null) m.map("ntlm", ntlmData(ch));
  if (s.ntlmError.length > 0) m.str("ntlm_error", s.ntlmError);
  if (s.anonTried) {
    m.bool("anonymous_session", s.anonAccepted);
    if (s.anonAccepted) {
      // SESSION_SETUP's SessionFlags: Windows sets "null" for an anonymous session; Samba 4.17 sets none
      const f = new ArrayWriter();
      if ((s.anonFlags & 0x1) != 0) f.str("guest");
      if ((s.anonFlags & 0x2) != 0) f.str("null");
      if ((s.anonFlags & 0x4) != 0) f.str("encrypt_data");
      m.array("anonymous_session_flags", f);
    } else m.str("anonymous_session_status", ntStatusName(s.anonStatus));
  }
  const sh = s.shares;
  if (sh !== null && sh.error.length == 0) {
    const a = new ArrayWriter();
    for (let i = 0; i < sh.shares.length; i++) {
      const x = sh.shares[i];
      a.map(new MapWriter().str("name", x.name).str("type", x.typeName).bool("special", x.special).str("comment", x.remark));
    }
    m.array("shares", a);
    m.int("shares_total", sh.total);
  }
  if (s.shareError.length > 0) m.str("shares_error", s.shareError);
  return m;
}

/** "SMB 3.1.1, SMB1 off, signing not required, WORKGROUP\HOST (Samba 4.17.12-Debian), null session, 2 shares listed anonymously". */
function summary(s: Session): string {
  const n2 = s.neg2;
  let line = n2 !== null ? "SMB " + dialectName(n2.dialect) : "SMB1 only";
  if (s.netbios) line += " in a NetBIOS session";
  if (n2 !== null && s.smb1Tried) line += s.neg1 !== null ? ", SMB1 on" : ", SMB1 off";
  line += signingRequired(s) ? ", signing required" : ", signing not required";
  const ch = s.challenge;
  if (ch !== null) {
    const dom = ch.nbDomainName.length > 0 ? ch.nbDomainName : ch.targetName;
    line += ", " + dom + "\\" + ch.nbComputerName;
  }
  const p = product(s);
  if (p[0].length > 0) line += " (" + s.nativeLanMan + ")";
  else if (ch !== null && ch.hasVersion) line += " (NTLM OS version " + ch.version + ")";
  if (s.anonTried) line += s.anonAccepted ? ", null session accepted" : ", null session refused";
  const sh = s.shares;
  if (sh !== null && sh.error.length == 0) {
    let visible = 0;
    for (let i = 0; i < sh.shares.length; i++) if (!sh.shares[i].special) visible++;
    line += ", " + sh.shares.length.toString() + " shares listed anonymously (" + visible.toString() + " not special)";
  }
  return line;
}

function result(s: Session, stop: Stop | null): Output {
  const out = stop === null ? new Output() : Output.fail(stop.status, stop.error);
  if (s.neg2 === null && s.neg1 === null) return out;
  out.setData(data(s));
  if (stop === null) out.summary = summary(s);
  const p = product(s);
  // nmap's names: SMB in a NetBIOS session is netbios-ssn (139), direct TCP microsoft-ds (445)
  const name = s.netbios ? "netbios-ssn" : "microsoft-ds";
  const svc = p[0].length > 0 ? Service.of(name, p[0], p[1]) : new Service(name);
  if (p[0] == "Samba smbd") svc.addVersionCpe("samba", "samba");
  svc.confidence = 1.0;
  const n2 = s.neg2;
  svc.extrainfo = n2 !== null ? "dialect " + dialectName(n2.dialect) : "SMB1";
  const ch = s.challenge;
  if (ch !== null && ch.nbDomainName.length > 0) svc.extrainfo += "; workgroup: " + ch.nbDomainName;
  out.service = svc;
  return out;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const wantShares = input.config.getBool("list_shares", true);
  const e = new Endpoint(t.ip, t.port, timeout, t.port == 139 || input.config.getBool("netbios_session", false));
  const s = new Session();
  s.netbios = e.netbios;

  const c = connect(e);
  const failed = c.stop;
  if (failed !== null) return Output.fail(failed.status, failed.error);
  const ids = new Ids();
  if (negotiateBest(c, s, ids, timeout) && s.neg2 !== null && anonymousSession(c, s, ids, timeout) && wantShares) {
    const l = listShares(new Smb2Pipe(c, timeout, ids), t.ip);
    s.shares = l.list;
    s.shareError = l.error;
    // the listing is the last, optional step: its failure is reported beside what was read, not instead of it
    const lost = c.stop;
    if (lost !== null) { s.shareError = lost.error; c.stop = null; }
  }
  const stop = c.stop;
  c.sock.close();
  // later connections only add: their failures never undo what the first one found
  if (s.neg2 !== null || s.neg1 !== null) probeSmb1(e, s, wantShares);
  if (s.neg2 !== null) probeDialects(e, s);
  return result(s, stop);
}

register(run);
