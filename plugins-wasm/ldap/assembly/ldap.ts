// LDAPv3 messages (RFC 4511) the probe sends and reads: pure functions over
// bytes, with the SDK's BER. Only what an anonymous look needs: simple bind
// with an empty name and password, search, unbind; and the replies to them.
import {
  BER_APPLICATION, BER_CONTEXT, BER_ENUMERATED, BER_SET, BerReader, BerTlv, berBool, berInt, berSeq, berString, berTag, berTlv,
} from "@wasmap/sdk-assemblyscript";

export const OP_BIND_RESPONSE: u8 = 0x61;
export const OP_SEARCH_ENTRY: u8 = 0x64;
export const OP_SEARCH_DONE: u8 = 0x65;
export const OP_SEARCH_REFERENCE: u8 = 0x73;
export const OP_EXTENDED_RESPONSE: u8 = 0x78;

export const SCOPE_BASE: i32 = 0;
export const SCOPE_SUBTREE: i32 = 2;

export const RESULT_SUCCESS: i64 = 0;
export const RESULT_SIZE_LIMIT_EXCEEDED: i64 = 4;

function message(id: i32, op: Uint8Array): Uint8Array {
  return berSeq([berInt(id), op]);
}

/** BindRequest: version 3, empty name, simple authentication with an empty password (RFC 4513 §5.1.1: anonymous). */
export function anonymousBind(id: i32): Uint8Array {
  return message(id, berSeq([berInt(3), berString(""), berTlv(berTag(BER_CONTEXT, false, 0), new Uint8Array(0))], berTag(BER_APPLICATION, true, 0)));
}

/** SearchRequest for (objectClass=*) under `base`; `attrs` ["1.1"] asks for no attributes (RFC 4511 §4.5.1.8). */
export function search(id: i32, base: string, scope: i32, sizeLimit: i32, timeLimitS: i32, attrs: Array<string>): Uint8Array {
  const list = new Array<Uint8Array>();
  for (let i = 0; i < attrs.length; i++) list.push(berString(attrs[i]));
  return message(id, berSeq([
    berString(base),
    berInt(scope, BER_ENUMERATED),
    berInt(0, BER_ENUMERATED), // derefAliases: never
    berInt(sizeLimit),
    berInt(timeLimitS),
    berBool(false), // typesOnly
    berString("objectClass", berTag(BER_CONTEXT, false, 7)), // present filter
    berSeq(list),
  ], berTag(BER_APPLICATION, true, 3)));
}

/** UnbindRequest: no reply; the server closes. */
export function unbind(id: i32): Uint8Array {
  return message(id, berTlv(berTag(BER_APPLICATION, false, 2), new Uint8Array(0)));
}

/** One LDAPMessage: its id and protocolOp; `error` when it is not one. */
export class Message {
  id: i64 = -1;
  op: BerTlv | null = null;
  error: string = "";
  get opTag(): u8 { const o = this.op; return o === null ? 0 : o.tag; }
}

export function parseMessage(b: Uint8Array): Message {
  const m = new Message();
  const outer = new BerReader(b);
  const r = outer.enter("LDAPMessage");
  m.id = r.int("messageID");
  m.op = r.next();
  if (r.ok && m.op === null) r.fail("protocolOp missing");
  // controls ([0]) may follow; they are not read
  if (!outer.ok) m.error = outer.error;
  else if (!r.ok) m.error = r.error;
  else if (m.id < 0 || m.id > i32.MAX_VALUE) m.error = "messageID " + m.id.toString() + " out of range";
  return m;
}

/** LDAPResult: the part every response shares. */
export class LdapResult {
  code: i64 = -1;
  matchedDn: string = "";
  message: string = "";
  error: string = "";
  get name(): string { return resultName(this.code); }
}

export function parseResult(op: BerTlv): LdapResult {
  const res = new LdapResult();
  const r = op.children();
  res.code = r.int("resultCode", BER_ENUMERATED);
  res.matchedDn = r.string("matchedDN");
  res.message = r.string("diagnosticMessage");
  if (!r.ok) res.error = r.error;
  return res;
}

/** A SearchResultEntry: its DN and attributes in the server's order, values as UTF-8. */
export class Entry {
  dn: string = "";
  names: Array<string> = new Array<string>();
  values: Array<Array<string>> = new Array<Array<string>>();
  error: string = "";

  get(name: string): Array<string> {
    for (let i = 0; i < this.names.length; i++) if (this.names[i].toLowerCase() == name.toLowerCase()) return this.values[i];
    return new Array<string>();
  }
}

/** Parses the entry, keeping at most `maxAttrs` attributes and `maxValues` values in all. */
export function parseEntry(op: BerTlv, maxAttrs: i32, maxValues: i32): Entry {
  const e = new Entry();
  const r = op.children();
  e.dn = r.string("objectName");
  const attrs = r.enter("attributes");
  let kept = 0;
  while (!attrs.done && e.names.length < maxAttrs && kept < maxValues) {
    const a = attrs.enter("PartialAttribute");
    const name = a.string("type");
    const vals = a.enter("vals", BER_SET);
    const list = new Array<string>();
    while (!vals.done && kept < maxValues) {
      list.push(vals.string("value"));
      kept++;
    }
    if (!a.ok || !vals.ok) { attrs.fail(a.ok ? vals.error : a.error); break; }
    e.names.push(name);
    e.values.push(list);
  }
  if (!r.ok) e.error = r.error;
  else if (!attrs.ok) e.error = attrs.error;
  return e;
}

/** RFC 4511 §4.1.9 (and RFC 4511 Appendix A) names for result codes. */
export function resultName(code: i64): string {
  switch (<i32>code) {
    case 0: return "success";
    case 1: return "operationsError";
    case 2: return "protocolError";
    case 3: return "timeLimitExceeded";
    case 4: return "sizeLimitExceeded";
    case 7: return "authMethodNotSupported";
    case 8: return "strongerAuthRequired";
    case 10: return "referral";
    case 11: return "adminLimitExceeded";
    case 12: return "unavailableCriticalExtension";
    case 13: return "confidentialityRequired";
    case 14: return "saslBindInProgress";
    case 32: return "noSuchObject";
    case 34: return "invalidDNSyntax";
    case 48: return "inappropriateAuthentication";
    case 49: return "invalidCredentials";
    case 50: return "insufficientAccessRights";
    case 51: return "busy";
    case 52: return "unavailable";
    case 53: return "unwillingToPerform";
    case 80: return "other";
  }
  return "code " + code.toString();
}
