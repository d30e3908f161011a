// ssh: a wasmap scanner plugin (port 22, RFC 4253). It sends our
// identification string, reads the server's identification and its
// SSH_MSG_KEXINIT (the algorithm lists, hassh), then runs the first half of
// a curve25519-sha256 key exchange once per host key type the server offers,
// which makes the server send that public host key (SSH_MSG_KEX_ECDH_REPLY).
// It stops there: no NEWKEYS, no authentication, no signature check.
import {
  ArrayWriter, ETIMEDOUT, Input, MapWriter, Output, STATUS_IO_TIMEOUT, STATUS_PROTOCOL_ERROR, STATUS_SUCCESS,
  Service, Socket, concatBytes, deadlineIn, errorName, msUntil, register, statusForError,
} from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";
import { base64, hex } from "./encoding";
import { md5 } from "@wasmap/sdk-assemblyscript";
import { sha256 } from "@wasmap/sdk-assemblyscript";
import {
  Greeting, HostKey, Ident, KexInit, MAX_PACKET, PARSE_BAD, PARSE_MORE, PARSE_OK,
  ecdhInitPayload, kexInitPayload, packet, parseGreeting, parseKexReply,
} from "./ssh";
import { x25519Base } from "./x25519";

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function random_get(buf: usize, len: usize): i32;

const OUR_IDENT = "SSH-2.0-wasmap_0.1\r\n";
/** Bytes kept from one connection: greeting + one reply, each at most MAX_PACKET. */
const MAX_BUFFER = 2 * MAX_PACKET + 16384;

function randomBytes(n: i32): Uint8Array {
  const b = new Uint8Array(n);
  random_get(b.dataStart, <usize>n);
  return b;
}

/** One TCP connection and every byte the server sent on it. */
class Conn {
  sock: Socket;
  buf: Uint8Array = new Uint8Array(0);
  /** ABI status of the last failure, "" while fine. */
  status: string = "";
  error: string = "";

  constructor(host: string, port: i32, timeout: i32) {
    this.sock = Socket.connect(host, port, msUntil(deadlineIn(timeout)));
    if (!this.sock.ok) this.fail(statusForError(this.sock.error, true), errorName(this.sock.error));
  }

  fail(status: string, error: string): bool {
    if (this.status.length == 0) { this.status = status; this.error = error; }
    return false;
  }

  send(b: Uint8Array): bool {
    if (this.sock.send(b) < 0) return this.fail(statusForError(this.sock.error), "send: " + errorName(this.sock.error));
    return true;
  }

  /** One more read before `deadline`; false when closed, failed, timed out or over MAX_BUFFER. */
  more(deadline: i64, waitingFor: string): bool {
    const left = msUntil(deadline);
    if (left == 0) return this.fail(STATUS_IO_TIMEOUT, "timed out waiting for " + waitingFor);
    if (this.buf.length >= MAX_BUFFER) return this.fail(STATUS_PROTOCOL_ERROR, "more than " + MAX_BUFFER.toString() + " bytes without " + waitingFor);
    const got = this.sock.recv(min(16384, MAX_BUFFER - this.buf.length), left);
    if (got === null) {
      const e = this.sock.error;
      if (e == ETIMEDOUT) return this.fail(STATUS_IO_TIMEOUT, "timed out waiting for " + waitingFor);
      return this.fail(statusForError(e), errorName(e) + " waiting for " + waitingFor);
    }
    if (got!.length == 0) return this.fail(STATUS_PROTOCOL_ERROR, "connection closed waiting for " + waitingFor);
    this.buf = concatBytes(this.buf, got!);
    return true;
  }

  /** Sends our identification and reads the server's up to its KEXINIT. */
  greet(timeout: i32): Greeting {
    const deadline = deadlineIn(timeout);
    let g = parseGreeting(this.buf);
    if (this.status.length == 0 && this.send(Uint8Array.wrap(String.UTF8.encode(OUR_IDENT)))) {
      while (g.status == PARSE_MORE) {
        if (!this.more(deadline, g.ident === null ? "the identification string" : "KEXINIT")) break;
        g = parseGreeting(this.buf);
      }
    }
    if (g.status == PARSE_BAD) this.fail(STATUS_PROTOCOL_ERROR, g.error);
    return g;
  }

  close(): void { this.sock.close(); }
}

/** One host key type to ask for: the first algorithm the server lists for it. */
function hostKeyAlgorithms(k: KexInit, limit: i32): Array<string> {
  const groups = new Array<string>(0);
  const algs = new Array<string>(0);
  for (let i = 0; i < k.hostKey.length && algs.length < limit; i++) {
    const a = k.hostKey[i];
    if (a.includes("-cert-")) continue; // a certificate, not a plain host key
    // rsa-sha2-256/512 and ssh-rsa all sign with the same ssh-rsa key
    const g = a == "rsa-sha2-256" || a == "rsa-sha2-512" ? "ssh-rsa" : a;
    if (groups.includes(g)) continue;
    groups.push(g);
    algs.push(a);
  }
  return algs;
}

function curve25519Kex(k: KexInit): string {
  if (k.kex.includes("curve25519-sha256")) return "curve25519-sha256";
  if (k.kex.includes("curve25519-sha256@libssh.org")) return "curve25519-sha256@libssh.org";
  return "";
}

/** KEXINIT + KEX_ECDH_INIT on a greeted connection; the host key from the reply, or null (`c.error`). */
function fetchHostKey(c: Conn, g: Greeting, kex: string, alg: string, timeout: i32): HostKey | null {
  const scalar = randomBytes(32);
  const q = x25519Base(scalar)!;
  const ours = packet(kexInitPayload(randomBytes(16), kex, alg, g.kexinit!));
  const init = packet(ecdhInitPayload(q));
  const both = new Uint8Array(ours.length + init.length);
  both.set(ours, 0);
  both.set(init, ours.length);
  if (!c.send(both)) return null;
  const deadline = deadlineIn(timeout);
  while (true) {
    const r = parseKexReply(c.buf, g.next);
    if (r.status == PARSE_OK) return r.hostKey;
    if (r.status == PARSE_BAD) { c.fail(STATUS_PROTOCOL_ERROR, r.error); return null; }
    if (!c.more(deadline, "KEX_ECDH_REPLY")) return null;
  }
}

/** `SHA256:` + unpadded base64 of the blob's SHA-256, as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Uint8Array): string {
  return "SHA256:" + base64(sha256(blob), false);
}

function service(id: Ident): Service {
  const s = new Service("ssh");
  const sw = id.software;
  const us = sw.indexOf("_");
  const name = us < 0 ? sw : sw.substring(0, us);
  const version = us < 0 ? "" : sw.substring(us + 1);
  s.version = version;
  if (name == "OpenSSH") {
    s.product = "OpenSSH";
    s.addVersionCpe("openbsd", "openssh");
  } else if (name == "dropbear") {
    s.product = "Dropbear sshd";
    s.addVersionCpe("matt_johnston", "dropbear_ssh_server");
  } else {
    s.product = name;
  }
  s.extrainfo = id.comments;
  s.confidence = 1.0;
  return s;
}

function sameList(a: Array<string>, b: Array<string>): bool {
  return a.join(",") == b.join(",");
}

function algorithms(k: KexInit): MapWriter {
  const m = new MapWriter()
    .strArray("kex", k.kex)
    .strArray("server_host_key", k.hostKey)
    .strArray("encryption", k.encS2C)
    .strArray("mac", k.macS2C)
    .strArray("compression", k.compS2C);
  // BinaryEdge lists one direction; keep the other when it differs
  if (!sameList(k.encC2S, k.encS2C)) m.strArray("encryption_client_to_server", k.encC2S);
  if (!sameList(k.macC2S, k.macS2C)) m.strArray("mac_client_to_server", k.macC2S);
  if (!sameList(k.compC2S, k.compS2C)) m.strArray("compression_client_to_server", k.compC2S);
  if (k.langS2C.length > 0) m.strArray("languages", k.langS2C);
  if (k.langC2S.length > 0 && !sameList(k.langC2S, k.langS2C)) m.strArray("languages_client_to_server", k.langC2S);
  return m;
}

/** hasshServer (salesforce/hassh): MD5 of `kex;encryption_s2c;mac_s2c;compression_s2c`. */
export function hasshAlgorithms(k: KexInit): string {
  return k.kex.join(",") + ";" + k.encS2C.join(",") + ";" + k.macS2C.join(",") + ";" + k.compS2C.join(",");
}

/** A host key type as people say it: `ssh-ed25519` → `ed25519`, `ssh-rsa` (3072 bits) → `rsa 3072`. */
function keyName(type: string, bits: i32): string {
  let n = type;
  if (type == "ssh-rsa" || type == "rsa-sha2-256" || type == "rsa-sha2-512") n = "rsa";
  else if (type == "ssh-dss") n = "dsa";
  else if (type.startsWith("ssh-")) n = type.substring(4);
  else if (type.startsWith("ecdsa-")) n = "ecdsa";
  return n == "rsa" && bits > 0 ? n + " " + bits.toString() : n;
}

/** The table's line (A8): the software, the host key types, hasshServer. */
function summary(id: Ident, keys: Array<string>, fetched: bool, hassh: string): string {
  let line = id.software;
  if (id.comments.length > 0) line += " " + id.comments;
  if (id.proto != "2.0") line += " (protocol " + id.proto + ")";
  if (keys.length > 0) line += "; keys " + keys.join(", ") + (fetched ? "" : " (offered, not fetched)");
  if (hassh.length > 0) line += "; hassh " + hassh;
  return line;
}

function run(input: Input): Output {
  const t = input.target!;
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const maxKeys = <i32>input.config.getInt("host_keys", 4);

  const first = new Conn(t.ip, t.port, timeout);
  if (first.status.length > 0) return Output.fail(first.status, first.error);
  const g = first.greet(timeout);
  const id = g.ident;
  if (id === null) {
    first.close();
    const o = Output.fail(first.status.length > 0 ? first.status : STATUS_PROTOCOL_ERROR, first.error);
    if (g.preamble.length > 0) o.setData(new MapWriter().strArray("preamble", g.preamble));
    return o;
  }

  const out = new Output();
  out.service = service(id);
  const data = new MapWriter().str("banner", id.line);
  if (g.preamble.length > 0) data.strArray("preamble", g.preamble);
  const k = g.kexinit;
  if (k === null) {
    first.close();
    if (first.status.length > 0) { out.status = first.status; out.error = first.error; }
    else {
      data.str("note", "SSH protocol " + id.proto + ": no SSH-2 key exchange to read");
      out.summary = summary(id, [], false, "");
    }
    return out.setData(data);
  }
  data.map("algorithms", algorithms(k));
  const ha = hasshAlgorithms(k);
  const hassh = hex(md5(Uint8Array.wrap(String.UTF8.encode(ha))));
  data.map("hassh", new MapWriter().str("hassh", hassh).str("hassh_algorithms", ha));

  // host keys: one curve25519 exchange per key type (the first on this connection)
  const cyphers = new ArrayWriter();
  const kex = curve25519Kex(k);
  const algs = hostKeyAlgorithms(k, maxKeys);
  let keysError = "";
  let keysStatus = "";
  const keyNames = new Array<string>(0);
  if (maxKeys > 0 && kex.length == 0) keysError = "no curve25519-sha256 key exchange offered: host keys not fetched";
  for (let i = 0; kex.length > 0 && i < algs.length; i++) {
    let c = first;
    let cg = g;
    if (i > 0) {
      c = new Conn(t.ip, t.port, timeout);
      if (c.status.length == 0) cg = c.greet(timeout);
    }
    let key: HostKey | null = null;
    if (c.status.length == 0 && cg.kexinit !== null) key = fetchHostKey(c, cg, kex, algs[i], timeout);
    c.close();
    if (key === null) {
      keysError = algs[i] + ": " + c.error;
      keysStatus = c.status;
      continue;
    }
    const e = new MapWriter().str("cypher", key.type).str("key", base64(key.blob)).str("fingerprint", fingerprint(key.blob));
    if (key.bits > 0) e.int("length", key.bits);
    cyphers.map(e);
    keyNames.push(keyName(key.type, key.bits));
  }
  if (kex.length > 0 && algs.length > 0) data.str("key_exchange", kex);
  data.array("cyphers", cyphers);
  if (keysError.length > 0) data.str("host_keys_error", keysError);
  if (cyphers.size == 0 && keysStatus.length > 0) { out.status = keysStatus; out.error = keysError; }
  else {
    out.status = STATUS_SUCCESS;
    const fetched = keyNames.length > 0;
    if (!fetched) {
      const offered = hostKeyAlgorithms(k, 16);
      for (let i = 0; i < offered.length; i++) keyNames.push(keyName(offered[i], 0));
    }
    out.summary = summary(id, keyNames, fetched, hassh);
  }
  return out.setData(data);
}

register(run);
