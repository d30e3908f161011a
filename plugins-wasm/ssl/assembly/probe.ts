// Protocol versions and cipher suites by crafted ClientHellos over plain TCP:
// one connection per ClientHello, closed before the next; only the server's
// first reply is read. Per version: offer every suite, note the one the
// server picks, drop it and offer the rest again, until the server refuses
// (sslyze/nmap ssl-enum-ciphers' method), within a round cap and a deadline.
import { ArrayWriter, ECONNRESET, ETIMEDOUT, MapWriter, Socket, concatBytes, errorName, nowMs } from "@wasmap/sdk-assemblyscript";
import { md5 } from "@wasmap/sdk-assemblyscript";
import { hex } from "@wasmap/sdk-assemblyscript";
import { sha256 } from "@wasmap/sdk-assemblyscript";
import { smtpStartTls } from "./starttls";
import { LEGACY_SUITES, Suite, TLS13_SUITES, suiteByCode, suiteName } from "./suites";
import {
  REPLY_ALERT, REPLY_BAD, REPLY_HELLO, REPLY_MORE, Reply, SSL3, TLS10, TLS11, TLS12, TLS13,
  alertName, clientHello, parseReply, versionKey, versionName,
} from "./tls";

/** Most ClientHellos per version when listing accepted suites. */
export const MAX_ROUNDS = 40;

let seed: Uint8Array = new Uint8Array(0);
let counter: i32 = 0;

/** 32 unpredictable-enough bytes: SHA-256 over a counter, the clock and the last output (no host RNG in the ABI). */
function random32(): Uint8Array {
  const b = new Uint8Array(seed.length + 12);
  b.set(seed, 0);
  const now = nowMs();
  for (let i = 0; i < 8; i++) b[seed.length + i] = <u8>(now >> (<i64>(8 * i)));
  const c = ++counter;
  for (let i = 0; i < 4; i++) b[seed.length + 8 + i] = <u8>(c >> (8 * i));
  seed = sha256(b);
  return seed;
}

export class Target {
  constructor(public ip: string, public port: i32, public sni: string, public timeout: i32, public deadline: i64, public starttls: string = "") {}
}

/** probeOnce, and once more after an I/O failure (a busy server, e.g. exim behind STARTTLS, sometimes stalls one connection). */
export function probe(t: Target, version: u16, suites: Array<u16>, flags: i32 = 0): Reply {
  const r = probeOnce(t, version, suites, flags);
  if (!ioFailed || nowMs() >= t.deadline - 50) return r;
  const again = probeOnce(t, version, suites, flags);
  if (again.kind == REPLY_BAD) again.error = r.error + "; retry: " + again.error;
  return again;
}

/** Whether the last probeOnce failed on I/O (connect, prelude, send, timeout) rather than on what the server said. */
let ioFailed = false;

/** One ClientHello (clientHello `flags`) on a fresh connection; a Reply (REPLY_BAD with `error` on I/O failure). */
function probeOnce(t: Target, version: u16, suites: Array<u16>, flags: i32): Reply {
  ioFailed = true;
  const left = t.deadline - nowMs();
  const r0 = new Reply();
  if (left <= 50) { r0.kind = REPLY_BAD; r0.error = "time budget spent"; return r0; }
  const wait = <i32>min(<i64>t.timeout, left);
  const sock = Socket.connect(t.ip, t.port, wait);
  if (!sock.ok) { r0.kind = REPLY_BAD; r0.error = "connect: " + errorName(sock.error); return r0; }
  if (t.starttls == "smtp") {
    const why = smtpStartTls(sock, wait);
    if (why.length > 0) { r0.kind = REPLY_BAD; r0.error = why; sock.close(); return r0; }
  }
  if (sock.send(clientHello(version, suites, t.sni, random32(), random32(), flags)) < 0) {
    r0.kind = REPLY_BAD; r0.error = "send: " + errorName(sock.error); sock.close(); return r0;
  }
  ioFailed = false;
  const until = nowMs() + <i64>wait;
  let buf = new Uint8Array(0);
  let r = parseReply(buf, false);
  while (r.kind == REPLY_MORE) {
    const rest = until - nowMs();
    if (rest <= 0) { r.kind = REPLY_BAD; r.error = "timed out waiting for the ServerHello"; ioFailed = true; break; }
    const got = sock.recv(16384, <i32>rest);
    if (got === null && sock.error != ECONNRESET) { r.kind = REPLY_BAD; r.error = sock.error == ETIMEDOUT ? "timed out waiting for the ServerHello" : errorName(sock.error) + " waiting for the ServerHello"; ioFailed = true; break; }
    if (got === null || got.length == 0) { r = parseReply(buf, true); break; } // closed or reset
    buf = concatBytes(buf, got!);
    r = parseReply(buf, false);
  }
  sock.close();
  return r;
}

function cipherMap(s: Suite, key: string): MapWriter {
  const m = new MapWriter().str("ssl_version", key).str("openssl_name", s.openssl).str("iana_name", s.iana)
    .int("key_size", s.bits).bool("is_anonymous", s.anonymous);
  const w = s.weakness;
  if (w.length > 0) m.str("weakness", w);
  return m;
}

/** What the version probes found, for the output and JA3S. */
export class Scan {
  ciphers: MapWriter = new MapWriter();
  weak: ArrayWriter = new ArrayWriter();
  highest: u16 = 0;
  ja3s: string = "";
  ja3sInput: string = "";
  hellos: i32 = 0;
  /** Versions accepted, oldest first. */
  versions: Array<u16> = new Array<u16>(0);
  weakCount: i32 = 0;
  /** Distinct `weakness` tags of the weak suites, in the order first seen. */
  weakTags: Array<string> = new Array<string>(0);
  /** OpenSSL names of accepted RC4 / 64-bit-block suites (each once, whatever the version). */
  rc4: Array<string> = new Array<string>(0);
  block64: Array<string> = new Array<string>(0);
  /** Every accepted version's suites were listed to the end (a refusal), not cut by a cap, the budget or an I/O error. */
  listedAll: bool = true;

  /** Notes an accepted suite for weak_ciphers and the RC4 / SWEET32 lists. */
  noteSuite(s: Suite, key: string): void {
    const w = s.weakness;
    if (w.length > 0) {
      this.weak.map(cipherMap(s, key));
      this.weakCount++;
      if (!this.weakTags.includes(w)) this.weakTags.push(w);
    }
    if (s.rc4 && !this.rc4.includes(s.openssl)) this.rc4.push(s.openssl);
    if (s.block64 && !this.block64.includes(s.openssl)) this.block64.push(s.openssl);
  }
}

/** Why a reply is no acceptance: the alert, another version, or the reader's reason. */
export function whyNot(r: Reply): string {
  if (r.kind == REPLY_ALERT) return "alert: " + alertName(r.alertDescription);
  if (r.kind == REPLY_HELLO) return "server chose " + versionName(r.version);
  return r.error;
}

/** Probes one version; with `list`, also every suite it accepts. */
function scanVersion(t: Target, version: u16, list: bool, out: Scan): void {
  const key = versionKey(version);
  const table = version == TLS13 ? TLS13_SUITES : LEGACY_SUITES;
  const remaining = new Array<u16>(0);
  for (let i = 0; i < table.length; i++) remaining.push(table[i].code);
  const m = new MapWriter();
  const first = probe(t, version, remaining);
  out.hellos++;
  if (version == TLS12 && first.kind == REPLY_HELLO) {
    // JA3S (Salesforce): SSLVersion,Cipher,Extensions of the ServerHello, decimal, extensions joined by '-'
    let s = (<i32>first.legacyVersion).toString() + "," + (<i32>first.cipher).toString() + ",";
    for (let i = 0; i < first.extensions.length; i++) s += (i > 0 ? "-" : "") + (<i32>first.extensions[i]).toString();
    out.ja3sInput = s;
    out.ja3s = hex(md5(Uint8Array.wrap(String.UTF8.encode(s))), 0, 16);
  }
  const accepted = first.kind == REPLY_HELLO && first.version == version && remaining.includes(first.cipher);
  m.bool("accepted", accepted);
  if (!accepted) {
    const why = first.kind == REPLY_HELLO && first.version == version ? "server chose a suite not offered: " + suiteName(first.cipher) : whyNot(first);
    m.str("error", why);
    out.ciphers.map(key, m);
    return;
  }
  if (version > out.highest) out.highest = version;
  out.versions.push(version);
  const pref = suiteByCode(first.cipher)!;
  m.map("preferred_cipher", cipherMap(pref, key));
  const acc = new ArrayWriter();
  acc.map(cipherMap(pref, key));
  out.noteSuite(pref, key);
  remaining.splice(remaining.indexOf(first.cipher), 1);
  let note = "";
  if (list) {
    let rounds = 1;
    while (remaining.length > 0) {
      if (rounds >= MAX_ROUNDS) { note = "stopped after " + MAX_ROUNDS.toString() + " ClientHellos"; break; }
      const r = probe(t, version, remaining);
      rounds++;
      out.hellos++;
      if (r.kind != REPLY_HELLO || r.version != version) {
        if (r.kind == REPLY_BAD) note = r.error; // a refusal ends the list; anything else is worth saying
        break;
      }
      const at = remaining.indexOf(r.cipher);
      if (at < 0) { note = "server chose a suite not offered: " + suiteName(r.cipher); break; }
      const s = suiteByCode(r.cipher)!;
      acc.map(cipherMap(s, key));
      out.noteSuite(s, key);
      remaining.splice(at, 1);
    }
  }
  if (version != TLS13 && (!list || note.length > 0)) out.listedAll = false; // TLS 1.3 has no RC4 or 64-bit-block suites
  m.array("accepted_cipher_list", acc);
  if (note.length > 0) m.str("error", note);
  out.ciphers.map(key, m);
}

/** SSLv3 .. TLS 1.3, oldest first; `list` also lists each version's accepted suites. */
export function scanVersions(t: Target, list: bool): Scan {
  const out = new Scan();
  const versions: StaticArray<u16> = [SSL3, TLS10, TLS11, TLS12, TLS13];
  for (let i = 0; i < versions.length; i++) scanVersion(t, versions[i], list, out);
  return out;
}
