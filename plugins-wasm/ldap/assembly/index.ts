// ldap: a wasmap scanner for LDAP directories (ports 389 and 3268). On one
// connection it binds anonymously (simple bind, empty name and password),
// reads the rootDSE (naming contexts, versions, SASL mechanisms, controls,
// extensions, vendor) whatever the bind answered, and searches the first
// naming context for a few DNs, as the anonymous client it now is. It never
// sends a name or a password, and it unbinds at the end.
import {
  ArrayWriter, BER_MALFORMED, BER_NEED_MORE, BER_TOO_LONG, ETIMEDOUT, Input, MapWriter, Output, STATUS_PROTOCOL_ERROR, Service, Socket,
  berFrameLength, concatBytes, deadlineIn, errorName, msUntil, register, statusForError,
  Stop, lostRead,
} from "@wasmap/sdk-assemblyscript";
import {
  Entry, LdapResult, Message, OP_BIND_RESPONSE, OP_EXTENDED_RESPONSE, OP_SEARCH_DONE, OP_SEARCH_ENTRY, OP_SEARCH_REFERENCE,
  RESULT_SUCCESS, SCOPE_BASE, SCOPE_SUBTREE, anonymousBind, parseEntry, parseMessage, parseResult, search, unbind,
} from "./ldap";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

/** Largest LDAP message read; a longer one is a protocol-error. */
const MAX_MESSAGE: i32 = 262144;
/** rootDSE caps: attributes kept, values kept in all. */
const MAX_DSE_ATTRS: i32 = 128;
const MAX_DSE_VALUES: i32 = 2048;
/** Search references skipped besides the entries the size limit allows. */
const MAX_REFERENCES: i32 = 32;
/** The rootDSE's attributes: user ones (*), operational ones (+, RFC 3673), and the named ones for servers that list them only on request. */
const ROOT_DSE_ATTRS: Array<string> = [
  "*", "+", "namingContexts", "supportedLDAPVersion", "supportedSASLMechanisms", "supportedControl", "supportedExtension",
  "supportedFeatures", "vendorName", "vendorVersion", "subschemaSubentry", "configContext",
];
/** OpenLDAP's own rootDSE object class (OID 1.3.6.1.4.1.4203.1.4.1, in slapd's built-in schema); OpenLDAP publishes no vendorName. */
const OPENLDAP_DSE_CLASS = "openldaprootdse";

/** Everything learnt so far: each step adds to it, so a failure still reports the rest. */
class Session {
  bind: LdapResult | null = null;
  dse: Entry | null = null;
  dseResult: LdapResult | null = null;
  base: string = "";
  searchResult: LdapResult | null = null;
  dns: Array<string> = new Array<string>();
  entries: i32 = 0;
  references: i32 = 0;

  get anonymousBind(): bool { const b = this.bind; return b !== null && b.code == RESULT_SUCCESS; }
  get anonymousSearch(): bool { return this.entries > 0; }
}

/** One LDAP connection: frames BER messages off the stream; every miss becomes a `Stop`. */
class Conn {
  stop: Stop | null = null;
  private buf: Uint8Array = new Uint8Array(0);
  constructor(public sock: Socket) {}

  send(b: Uint8Array): bool {
    if (this.sock.send(b) >= 0) return true;
    this.stop = new Stop(statusForError(this.sock.error), errorName(this.sock.error));
    return false;
  }

  fail(error: string): void { this.stop = new Stop(STATUS_PROTOCOL_ERROR, error); }

  /** The next whole message before `deadline`, parsed; null with `stop` set. */
  next(deadline: i64, what: string): Message | null {
    while (true) {
      const n = berFrameLength(this.buf, MAX_MESSAGE);
      if (n == BER_MALFORMED || (this.buf.length > 0 && this.buf[0] != 0x30)) { this.fail("not an LDAP message (during " + what + ")"); return null; }
      if (n == BER_TOO_LONG) { this.fail("LDAP message over " + MAX_MESSAGE.toString() + " bytes (during " + what + ")"); return null; }
      if (n != BER_NEED_MORE && this.buf.length >= n) {
        const m = parseMessage(this.buf.slice(0, n));
        this.buf = this.buf.slice(n);
        if (m.error.length > 0) { this.fail("bad LDAP message during " + what + ": " + m.error); return null; }
        return m;
      }
      const left = msUntil(deadline);
      if (left == 0) { this.sock.error = ETIMEDOUT; this.lost(what, false); return null; }
      const chunk = this.sock.recv(n > 0 ? min(65536, n - this.buf.length) : 16, left);
      if (chunk === null) { this.lost(what, false); return null; }
      if (chunk.length == 0) { this.lost(what, true); return null; }
      this.buf = concatBytes(this.buf, chunk);
    }
  }

  /** The next message, which must answer `id`; a notice of disconnection (id 0) ends the session with its reason. */
  reply(id: i32, deadline: i64, what: string): Message | null {
    const m = this.next(deadline, what);
    if (m === null) return null;
    if (m.id == 0 && m.opTag == OP_EXTENDED_RESPONSE) {
      const r = parseResult(m.op!);
      this.fail("notice of disconnection during " + what + ": " + r.name + (r.message.length > 0 ? " (" + r.message + ")" : ""));
      return null;
    }
    if (m.id != id) { this.fail("reply to message " + m.id.toString() + " during " + what + ", expected " + id.toString()); return null; }
    return m;
  }

  lost(what: string, closed: bool): void {
    this.stop = lostRead(this.sock, what, closed);
  }
}

function ldapResult(m: Message, c: Conn, what: string): LdapResult | null {
  const r = parseResult(m.op!);
  if (r.error.length > 0) { c.fail("bad " + what + " result: " + r.error); return null; }
  return r;
}

function bind(c: Conn, s: Session, timeout: i32): bool {
  if (!c.send(anonymousBind(1))) return false;
  const m = c.reply(1, deadlineIn(timeout), "bind");
  if (m === null) return false;
  if (m.opTag != OP_BIND_RESPONSE) { c.fail("reply to bind is not a BindResponse (tag 0x" + m.opTag.toString(16) + ")"); return false; }
  s.bind = ldapResult(m, c, "bind");
  return s.bind !== null;
}

/** Search replies until SearchResultDone: the rootDSE entry (`dse`) or the DNs into `s`, at most `maxEntries` entries. */
function collect(c: Conn, s: Session, id: i32, maxEntries: i32, timeout: i32, what: string, dse: bool): LdapResult | null {
  const deadline = deadlineIn(timeout);
  let refs = 0;
  let seen = 0;
  while (true) {
    const m = c.reply(id, deadline, what);
    if (m === null) return null;
    const tag = m.opTag;
    if (tag == OP_SEARCH_DONE) return ldapResult(m, c, what);
    if (tag == OP_SEARCH_REFERENCE) {
      if (!dse) s.references++;
      if (++refs > MAX_REFERENCES) { c.fail("over " + MAX_REFERENCES.toString() + " search references during " + what); return null; }
      continue;
    }
    if (tag != OP_SEARCH_ENTRY) { c.fail("unexpected reply (tag 0x" + tag.toString(16) + ") during " + what); return null; }
    if (++seen > maxEntries) { c.fail("more entries than the size limit (" + maxEntries.toString() + ") during " + what); return null; }
    const e = parseEntry(m.op!, dse ? MAX_DSE_ATTRS : 0, dse ? MAX_DSE_VALUES : 0);
    if (e.error.length > 0) { c.fail("bad entry during " + what + ": " + e.error); return null; }
    if (dse) s.dse = e;
    else { s.entries++; s.dns.push(e.dn); }
  }
}

function readRootDse(c: Conn, s: Session, timeout: i32): bool {
  if (!c.send(search(2, "", SCOPE_BASE, 1, timeout / 1000 + 1, ROOT_DSE_ATTRS))) return false;
  s.dseResult = collect(c, s, 2, 1, timeout, "rootDSE search", true);
  return s.dseResult !== null;
}

function searchBase(c: Conn, s: Session, limit: i32, timeout: i32): bool {
  if (!c.send(search(3, s.base, SCOPE_SUBTREE, limit, timeout / 1000 + 1, ["1.1"]))) return false;
  s.searchResult = collect(c, s, 3, limit, timeout, "search of " + s.base, false);
  return s.searchResult !== null;
}

function strings(list: Array<string>): ArrayWriter {
  const a = new ArrayWriter();
  for (let i = 0; i < list.length; i++) a.str(list[i]);
  return a;
}

function has(list: Array<string>, lower: string): bool {
  for (let i = 0; i < list.length; i++) if (list[i].toLowerCase() == lower) return true;
  return false;
}

/** [product, where it came from]: vendorName, else OpenLDAP's own rootDSE object class; ["", ""] when neither. */
function product(e: Entry): Array<string> {
  const v = e.get("vendorName");
  if (v.length > 0 && v[0].length > 0) return [v[0], "vendorName"];
  if (has(e.get("objectClass"), OPENLDAP_DSE_CLASS) || has(e.get("structuralObjectClass"), OPENLDAP_DSE_CLASS)) return ["OpenLDAP", "objectClass OpenLDAProotDSE"];
  return ["", ""];
}

function first(e: Entry, name: string): string {
  const v = e.get(name);
  return v.length > 0 ? v[0] : "";
}

function versions(e: Entry): Array<i32> {
  const out = new Array<i32>();
  const v = e.get("supportedLDAPVersion");
  for (let i = 0; i < v.length; i++) {
    const n = I32.parseInt(v[i]);
    if (n > 0 && n < 100) out.push(n);
  }
  return out;
}

function dseData(m: MapWriter, e: Entry): void {
  const all = new MapWriter();
  for (let i = 0; i < e.names.length; i++) all.array(e.names[i], strings(e.values[i]));
  m.map("root_dse", all);
  const vs = versions(e);
  const va = new ArrayWriter();
  for (let i = 0; i < vs.length; i++) va.int(vs[i]);
  m.array("ldap_versions", va);
  m.array("naming_contexts", strings(e.get("namingContexts")));
  m.array("sasl_mechanisms", strings(e.get("supportedSASLMechanisms")));
  m.array("supported_controls", strings(e.get("supportedControl")));
  m.array("supported_extensions", strings(e.get("supportedExtension")));
  m.array("supported_features", strings(e.get("supportedFeatures")));
  const fields = ["vendorName", "vendor_name", "vendorVersion", "vendor_version", "subschemaSubentry", "subschema_subentry", "configContext", "config_context"];
  for (let i = 0; i < fields.length; i += 2) {
    const v = first(e, fields[i]);
    if (v.length > 0) m.str(fields[i + 1], v);
  }
  const p = product(e);
  if (p[0].length > 0) m.str("product", p[0]).str("product_from", p[1]);
}

function resultInto(m: MapWriter, prefix: string, r: LdapResult): void {
  m.str(prefix + "_result", r.name).int(prefix + "_result_code", r.code);
  if (r.message.length > 0) m.str(prefix + "_message", r.message);
}

function data(s: Session): MapWriter {
  const m = new MapWriter();
  const b = s.bind!;
  m.bool("anonymous_bind", s.anonymousBind);
  resultInto(m, "bind", b);
  const dr = s.dseResult;
  if (dr !== null) resultInto(m, "root_dse", dr);
  const e = s.dse;
  if (e !== null) dseData(m, e);
  const sr = s.searchResult;
  if (sr !== null) {
    m.bool("anonymous_search", s.anonymousSearch);
    m.str("search_base", s.base);
    resultInto(m, "search", sr);
    m.int("search_entries", s.entries).array("search_dns", strings(s.dns));
    if (s.references > 0) m.int("search_references", s.references);
  }
  return m;
}

/** The table's line: version, product, first naming context, what an anonymous client could do. */
function summary(s: Session): string {
  const e = s.dse;
  let line = "LDAP";
  const parts = new Array<string>();
  if (e !== null) {
    const vs = versions(e);
    if (vs.length > 0) line += " v" + vs.map<string>((v: i32) => v.toString()).join("/");
    const p = product(e);
    if (p[0].length > 0) parts.push(p[0] + (first(e, "vendorVersion").length > 0 ? " " + first(e, "vendorVersion") : ""));
    const nc = e.get("namingContexts");
    if (nc.length > 0) parts.push(nc[0] + (nc.length > 1 ? " (+" + (nc.length - 1).toString() + ")" : ""));
  }
  parts.push(s.anonymousBind ? "anonymous bind allowed" : "anonymous bind refused (" + s.bind!.name + ")");
  const dr = s.dseResult;
  if (e === null && dr !== null) parts.push("rootDSE not readable (" + dr.name + ")");
  const sr = s.searchResult;
  if (sr !== null) parts.push(s.anonymousSearch ? "anonymous search returns entries" : "anonymous search returns nothing (" + sr.name + ")");
  return line + ", " + parts.join(", ");
}

function result(s: Session, stop: Stop | null): Output {
  const out = stop === null ? new Output() : Output.fail(stop.status, stop.error);
  if (s.bind === null) return out;
  out.setData(data(s));
  if (stop === null) out.summary = summary(s);
  const svc = new Service("ldap");
  svc.confidence = 1.0;
  const e = s.dse;
  if (e !== null) {
    const p = product(e);
    svc.product = p[0];
    svc.version = first(e, "vendorVersion");
    if (p[0] == "OpenLDAP") svc.addCpe("openldap", "openldap");
    const vs = versions(e);
    if (vs.length > 0) svc.extrainfo = "LDAPv" + vs[vs.length - 1].toString();
  }
  out.service = svc;
  return out;
}

function run(input: Input): Output {
  const t = input.target;
  if (t === null) return Output.fail(STATUS_PROTOCOL_ERROR, "no target");
  const timeout = <i32>input.config.getInt("timeout_ms", 3000);
  const limit = <i32>input.config.getInt("search_size_limit", 5);
  const s = new Session();

  const sock = Socket.connect(t.ip, t.port, msUntil(deadlineIn(timeout)));
  if (!sock.ok) return Output.ioFail(sock.error, true);
  const c = new Conn(sock);
  // after a refused bind the connection is anonymous (RFC 4511 §4.2.1): the rootDSE is still worth asking for
  if (bind(c, s, timeout) && readRootDse(c, s, timeout)) {
    const e = s.dse;
    const nc = e !== null ? e.get("namingContexts") : new Array<string>();
    if (limit > 0 && nc.length > 0) {
      s.base = nc[0];
      searchBase(c, s, limit, timeout);
    }
  }
  if (c.stop === null) c.send(unbind(4));
  sock.close();
  return result(s, c.stop);
}

register(run);
