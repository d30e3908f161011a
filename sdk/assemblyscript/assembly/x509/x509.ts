// X.509 v1-v3 certificates (RFC 5280 §4.1) from DER, into BinaryEdge's
// `cert_info.certificate_chain[].as_dict` shape. Every read goes through
// der.ts (bounded); `check` validates the whole structure (depth, element
// count, lengths) before any field is read, so a truncated or hostile
// certificate gives `error`, never a trap.
import { ArrayWriter, MapWriter } from "../msgpack/writer";
import {
  TAG_BIT_STRING, TAG_BMP, TAG_BOOLEAN, TAG_GENERALIZED_TIME, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE,
  TAG_SET, TAG_UNIVERSAL, TAG_UTC_TIME, Tlv, check, derError, expectTlv, hex, oidString, readTlv, setDerError,
} from "./der";

/** One parsed certificate; `error` is empty when the whole certificate parsed. */
export class Cert {
  error: string = "";
  asDict: MapWriter = new MapWriter();
  subjectCN: string = "";
  /** Unix ms; 0 when unknown. */
  notBeforeMs: i64 = 0;
  notAfterMs: i64 = 0;
  /** notAfter as ISO 8601 UTC ("2036-11-20T19:06:14Z"); "" when unknown. */
  notAfterIso: string = "";
  /** The issuer Name is byte-for-byte the subject Name (RFC 5280 §6.1; the signature is not verified). */
  selfIssued: bool = false;
  signatureAlgorithm: string = "";
}

// ---- OID names ----

/** RFC 4514 / openssl short names of DN attributes, then the as_dict key. */
function attrShort(oid: string): string {
  if (oid == "2.5.4.3") return "CN";
  if (oid == "2.5.4.6") return "C";
  if (oid == "2.5.4.7") return "L";
  if (oid == "2.5.4.8") return "ST";
  if (oid == "2.5.4.10") return "O";
  if (oid == "2.5.4.11") return "OU";
  if (oid == "2.5.4.9") return "street";
  if (oid == "2.5.4.5") return "serialNumber";
  if (oid == "2.5.4.4") return "SN";
  if (oid == "2.5.4.42") return "GN";
  if (oid == "2.5.4.12") return "title";
  if (oid == "0.9.2342.19200300.100.1.25") return "DC";
  if (oid == "0.9.2342.19200300.100.1.1") return "UID";
  if (oid == "1.2.840.113549.1.9.1") return "emailAddress";
  return "";
}

function attrKey(oid: string): string {
  if (oid == "2.5.4.3") return "common_name";
  if (oid == "2.5.4.6") return "country_name";
  if (oid == "2.5.4.7") return "locality_name";
  if (oid == "2.5.4.8") return "state_or_province_name";
  if (oid == "2.5.4.10") return "organization_name";
  if (oid == "2.5.4.11") return "organizational_unit_name";
  if (oid == "2.5.4.9") return "street_address";
  if (oid == "2.5.4.5") return "serial_number";
  if (oid == "0.9.2342.19200300.100.1.25") return "domain_component";
  if (oid == "1.2.840.113549.1.9.1") return "email_address";
  return "";
}

/** openssl's names for signature algorithms. */
export function signatureName(oid: string): string {
  if (oid == "1.2.840.113549.1.1.4") return "md5WithRSAEncryption";
  if (oid == "1.2.840.113549.1.1.5") return "sha1WithRSAEncryption";
  if (oid == "1.2.840.113549.1.1.10") return "rsassaPss";
  if (oid == "1.2.840.113549.1.1.11") return "sha256WithRSAEncryption";
  if (oid == "1.2.840.113549.1.1.12") return "sha384WithRSAEncryption";
  if (oid == "1.2.840.113549.1.1.13") return "sha512WithRSAEncryption";
  if (oid == "1.2.840.113549.1.1.14") return "sha224WithRSAEncryption";
  if (oid == "1.2.840.10045.4.1") return "ecdsa-with-SHA1";
  if (oid == "1.2.840.10045.4.3.1") return "ecdsa-with-SHA224";
  if (oid == "1.2.840.10045.4.3.2") return "ecdsa-with-SHA256";
  if (oid == "1.2.840.10045.4.3.3") return "ecdsa-with-SHA384";
  if (oid == "1.2.840.10045.4.3.4") return "ecdsa-with-SHA512";
  if (oid == "1.3.101.112") return "ED25519";
  if (oid == "1.3.101.113") return "ED448";
  if (oid == "1.2.840.10040.4.3") return "dsaWithSHA1";
  if (oid == "2.16.840.1.101.3.4.3.2") return "dsa_with_SHA256";
  return oid;
}

/** Named curves: name and field size in bits. */
function curveName(oid: string): string {
  if (oid == "1.2.840.10045.3.1.7") return "secp256r1";
  if (oid == "1.3.132.0.34") return "secp384r1";
  if (oid == "1.3.132.0.35") return "secp521r1";
  if (oid == "1.3.132.0.10") return "secp256k1";
  if (oid == "1.2.840.10045.3.1.1") return "secp192r1";
  if (oid == "1.3.132.0.33") return "secp224r1";
  if (oid == "1.3.36.3.3.2.8.1.1.7") return "brainpoolP256r1";
  if (oid == "1.3.36.3.3.2.8.1.1.11") return "brainpoolP384r1";
  if (oid == "1.3.36.3.3.2.8.1.1.13") return "brainpoolP512r1";
  return oid;
}
function curveBits(name: string): i32 {
  if (name == "secp256r1" || name == "secp256k1" || name == "brainpoolP256r1") return 256;
  if (name == "secp384r1" || name == "brainpoolP384r1") return 384;
  if (name == "secp521r1") return 521;
  if (name == "secp192r1") return 192;
  if (name == "secp224r1") return 224;
  if (name == "brainpoolP512r1") return 512;
  return 0;
}

const KEY_USAGE: StaticArray<string> = [
  "Digital Signature", "Non Repudiation", "Key Encipherment", "Data Encipherment", "Key Agreement",
  "Certificate Sign", "CRL Sign", "Encipher Only", "Decipher Only",
];

function ekuName(oid: string): string {
  if (oid == "1.3.6.1.5.5.7.3.1") return "TLS Web Server Authentication";
  if (oid == "1.3.6.1.5.5.7.3.2") return "TLS Web Client Authentication";
  if (oid == "1.3.6.1.5.5.7.3.3") return "Code Signing";
  if (oid == "1.3.6.1.5.5.7.3.4") return "E-mail Protection";
  if (oid == "1.3.6.1.5.5.7.3.8") return "Time Stamping";
  if (oid == "1.3.6.1.5.5.7.3.9") return "OCSP Signing";
  if (oid == "2.5.29.37.0") return "Any Extended Key Usage";
  return oid;
}

// ---- strings and numbers ----

/** A directory string's text: UTF8/IA5/Printable as UTF-8, T61 as latin1, BMP as UTF-16BE, Universal as UCS-4. */
function directoryString(buf: Uint8Array, t: Tlv): string {
  if (t.tag == TAG_BMP) {
    let s = "";
    for (let i = t.start; i + 1 < t.end; i += 2) s += String.fromCharCode((<i32>buf[i] << 8) | <i32>buf[i + 1]);
    return s;
  }
  if (t.tag == TAG_UNIVERSAL) {
    let s = "";
    for (let i = t.start; i + 3 < t.end; i += 4) {
      const cp = (<i32>buf[i] << 24) | (<i32>buf[i + 1] << 16) | (<i32>buf[i + 2] << 8) | <i32>buf[i + 3];
      s += cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : "\uFFFD";
    }
    return s;
  }
  if (t.tag == 0x14) { // T61: treated as latin1, as most software does
    let s = "";
    for (let i = t.start; i < t.end; i++) s += String.fromCharCode(<i32>buf[i]);
    return s;
  }
  return String.UTF8.decodeUnsafe(buf.dataStart + <usize>t.start, <usize>t.length, false);
}

/** RFC 4514 §2.4 escaping of one attribute value. */
function escape4514(v: string): string {
  let out = "";
  for (let i = 0; i < v.length; i++) {
    const c = v.charAt(i);
    const special = c == "," || c == "+" || c == "\"" || c == "\\" || c == "<" || c == ">" || c == ";" ||
      (i == 0 && (c == "#" || c == " ")) || (i == v.length - 1 && c == " ");
    out += special ? "\\" + c : c;
  }
  return out;
}

/** Decimal digits of an unsigned big-endian integer (repeated division by 10). */
export function decimal(buf: Uint8Array, start: i32, end: i32): string {
  const n = end - start;
  const work = new Uint8Array(n);
  for (let i = 0; i < n; i++) work[i] = buf[start + i];
  let out = "";
  let nonzero = true;
  while (nonzero) {
    let rem: u32 = 0;
    nonzero = false;
    for (let i = 0; i < n; i++) {
      const cur = (rem << 8) | <u32>work[i];
      work[i] = <u8>(cur / 10);
      rem = cur % 10;
      if (work[i] != 0) nonzero = true;
    }
    out = rem.toString() + out;
  }
  return out;
}

/** Bit length of an unsigned big-endian integer's content, leading zero bytes skipped. */
function bitLength(buf: Uint8Array, start: i32, end: i32): i32 {
  let i = start;
  while (i < end && buf[i] == 0) i++;
  if (i == end) return 0;
  return (end - i - 1) * 8 + (32 - clz<i32>(<i32>buf[i]));
}

function pad2(n: i32): string { return n < 10 ? "0" + n.toString() : n.toString(); }

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: i32, m: i32, d: i32): i64 {
  if (m <= 2) y -= 1;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return <i64>era * 146097 + <i64>doe - 719468;
}

class Time { iso: string = ""; ms: i64 = 0; }

/** UTCTime (YYMMDDHHMMSSZ, 50-99 → 19xx) or GeneralizedTime (YYYYMMDDHHMMSSZ) → ISO 8601 UTC; null if malformed. */
function parseTime(buf: Uint8Array, t: Tlv): Time | null {
  const yl = t.tag == TAG_UTC_TIME ? 2 : 4;
  if (t.length != yl + 11 || buf[t.end - 1] != 0x5a) return null; // DER: seconds present, 'Z'
  const d = new Array<i32>(0);
  for (let i = t.start; i < t.end - 1; i++) {
    const c = <i32>buf[i] - 0x30;
    if (c < 0 || c > 9) return null;
    d.push(c);
  }
  let year = 0;
  for (let i = 0; i < yl; i++) year = year * 10 + d[i];
  if (yl == 2) year += year >= 50 ? 1900 : 2000;
  const mon = d[yl] * 10 + d[yl + 1], day = d[yl + 2] * 10 + d[yl + 3];
  const hh = d[yl + 4] * 10 + d[yl + 5], mm = d[yl + 6] * 10 + d[yl + 7], ss = d[yl + 8] * 10 + d[yl + 9];
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return null;
  const r = new Time();
  let y = year.toString();
  while (y.length < 4) y = "0" + y;
  r.iso = y + "-" + pad2(mon) + "-" + pad2(day) + "T" + pad2(hh) + ":" + pad2(mm) + ":" + pad2(ss) + "Z";
  r.ms = ((daysFromCivil(year, mon, day) * 24 + <i64>hh) * 60 + <i64>mm) * 60000 + <i64>ss * 1000;
  return r;
}

// ---- the certificate ----

function fail(c: Cert, what: string): Cert {
  c.error = what.length > 0 ? what : derError;
  return c;
}

/** Name (RFC 5280 §4.1.2.4) → as_dict subject/issuer map; null with derError when malformed. */
function parseName(buf: Uint8Array, name: Tlv, c: Cert, isSubject: bool): MapWriter | null {
  const m = new MapWriter();
  const keys = new Array<string>(0);
  const vals = new Array<string>(0);
  const rdns = new Array<string>(0);
  let pos = name.start;
  while (pos < name.end) {
    const set = expectTlv(buf, pos, name.end, TAG_SET, "RDN");
    if (set === null) return null;
    let rdn = "";
    let p = set.start;
    while (p < set.end) {
      const atv = expectTlv(buf, p, set.end, TAG_SEQUENCE, "attribute");
      if (atv === null) return null;
      const oidT = expectTlv(buf, atv.start, atv.end, TAG_OID, "attribute type");
      if (oidT === null) return null;
      const valT = readTlv(buf, oidT.end, atv.end);
      if (valT === null) return null;
      const oid = oidString(buf, oidT);
      const short = attrShort(oid);
      const text = directoryString(buf, valT);
      const part = short.length > 0 ? short + "=" + escape4514(text) : oid + "=#" + hex(buf, valT.head, valT.end);
      rdn = rdn.length == 0 ? part : rdn + "+" + part;
      const key = attrKey(oid);
      if (key.length > 0) {
        const at = keys.indexOf(key);
        if (at < 0) { keys.push(key); vals.push(text); } else vals[at] = vals[at] + ", " + text; // repeated: joined
        if (isSubject && key == "common_name" && c.subjectCN.length == 0) c.subjectCN = text;
      }
      p = atv.end;
    }
    rdns.push(rdn);
    pos = set.end;
  }
  for (let i = 0; i < keys.length; i++) m.str(keys[i], vals[i]);
  // RFC 4514: the last RDN first
  let dn = "";
  for (let i = rdns.length - 1; i >= 0; i--) dn += (dn.length > 0 ? "," : "") + rdns[i];
  m.str("distinguished_name", dn);
  return m;
}

function ipString(buf: Uint8Array, t: Tlv): string {
  if (t.length == 4) return buf[t.start].toString() + "." + buf[t.start + 1].toString() + "." + buf[t.start + 2].toString() + "." + buf[t.start + 3].toString();
  if (t.length == 16) {
    let s = "";
    for (let i = 0; i < 16; i += 2) s += (i > 0 ? ":" : "") + ((<i32>buf[t.start + i] << 8) | <i32>buf[t.start + i + 1]).toString(16).toUpperCase();
    return s;
  }
  return "<invalid>";
}

/** GeneralNames → openssl's "DNS:x", "IP Address:y" strings. */
function generalNames(buf: Uint8Array, seq: Tlv): ArrayWriter | null {
  const a = new ArrayWriter();
  let p = seq.start;
  while (p < seq.end) {
    const g = readTlv(buf, p, seq.end);
    if (g === null) return null;
    const n = g.tag & 0x1f;
    const text = String.UTF8.decodeUnsafe(buf.dataStart + <usize>g.start, <usize>g.length, false);
    if (g.tag == 0x82) a.str("DNS:" + text);
    else if (g.tag == 0x87) a.str("IP Address:" + ipString(buf, g));
    else if (g.tag == 0x81) a.str("email:" + text);
    else if (g.tag == 0x86) a.str("URI:" + text);
    else if (n == 4) a.str("DirName:<unsupported>");
    else if (n == 0) a.str("othername:<unsupported>");
    else a.str("<unsupported tag " + n.toString() + ">");
    p = g.end;
  }
  return a;
}

/** Extensions (RFC 5280 §4.2) → the extensions map; null with derError when malformed. */
function parseExtensions(buf: Uint8Array, seq: Tlv): MapWriter | null {
  const m = new MapWriter();
  const others = new ArrayWriter();
  let p = seq.start;
  while (p < seq.end) {
    const ext = expectTlv(buf, p, seq.end, TAG_SEQUENCE, "extension");
    if (ext === null) return null;
    const oidT = expectTlv(buf, ext.start, ext.end, TAG_OID, "extension id");
    if (oidT === null) return null;
    let q = oidT.end;
    let critical = false;
    const maybeBool = readTlv(buf, q, ext.end);
    if (maybeBool === null) return null;
    if (maybeBool.tag == TAG_BOOLEAN) { critical = maybeBool.length == 1 && buf[maybeBool.start] != 0; q = maybeBool.end; }
    const val = expectTlv(buf, q, ext.end, TAG_OCTET_STRING, "extension value");
    if (val === null) return null;
    const oid = oidString(buf, oidT);
    if (oid == "2.5.29.17") {
      const names = expectTlv(buf, val.start, val.end, TAG_SEQUENCE, "subjectAltName");
      if (names === null) return null;
      const a = generalNames(buf, names);
      if (a === null) return null;
      m.array("subject_alt_name", a);
    } else if (oid == "2.5.29.19") {
      const bc = expectTlv(buf, val.start, val.end, TAG_SEQUENCE, "basicConstraints");
      if (bc === null) return null;
      const b = new MapWriter();
      let ca = false;
      let r = bc.start;
      if (r < bc.end) {
        const f = readTlv(buf, r, bc.end);
        if (f === null) return null;
        if (f.tag == TAG_BOOLEAN) { ca = f.length == 1 && buf[f.start] != 0; r = f.end; }
      }
      b.bool("ca", ca);
      if (r < bc.end) {
        const pl = expectTlv(buf, r, bc.end, TAG_INTEGER, "pathLenConstraint");
        if (pl === null) return null;
        if (pl.length >= 1 && pl.length <= 4) {
          let v = 0;
          for (let i = pl.start; i < pl.end; i++) v = (v << 8) | <i32>buf[i];
          b.int("path_length", v);
        }
      }
      b.bool("critical", critical);
      m.map("basic_constraints", b);
    } else if (oid == "2.5.29.15") {
      const bs = expectTlv(buf, val.start, val.end, TAG_BIT_STRING, "keyUsage");
      if (bs === null) return null;
      const a = new ArrayWriter();
      for (let bit = 0; bit < 9; bit++) {
        const at = bs.start + 1 + (bit >> 3);
        if (at < bs.end && (<i32>buf[at] & (0x80 >> (bit & 7))) != 0) a.str(KEY_USAGE[bit]);
      }
      m.array("key_usage", a);
    } else if (oid == "2.5.29.37") {
      const s = expectTlv(buf, val.start, val.end, TAG_SEQUENCE, "extKeyUsage");
      if (s === null) return null;
      const a = new ArrayWriter();
      let r = s.start;
      while (r < s.end) {
        const o = expectTlv(buf, r, s.end, TAG_OID, "key purpose");
        if (o === null) return null;
        a.str(ekuName(oidString(buf, o)));
        r = o.end;
      }
      m.array("extended_key_usage", a);
    } else if (oid == "2.5.29.14") {
      const o = expectTlv(buf, val.start, val.end, TAG_OCTET_STRING, "subjectKeyIdentifier");
      if (o === null) return null;
      m.str("subject_key_identifier", hex(buf, o.start, o.end, ":", true));
    } else if (oid == "2.5.29.35") {
      const s = expectTlv(buf, val.start, val.end, TAG_SEQUENCE, "authorityKeyIdentifier");
      if (s === null) return null;
      if (s.start < s.end) {
        const k = readTlv(buf, s.start, s.end);
        if (k === null) return null;
        if (k.tag == 0x80) m.str("authority_key_identifier", hex(buf, k.start, k.end, ":", true));
      }
    } else {
      others.str(oid);
    }
    p = ext.end;
  }
  if (others.size > 0) m.array("other", others);
  return m;
}

/** SubjectPublicKeyInfo → public_key_info; null with derError when malformed. */
function parseSpki(buf: Uint8Array, spki: Tlv): MapWriter | null {
  const alg = expectTlv(buf, spki.start, spki.end, TAG_SEQUENCE, "public key algorithm");
  if (alg === null) return null;
  const oidT = expectTlv(buf, alg.start, alg.end, TAG_OID, "public key algorithm id");
  if (oidT === null) return null;
  const key = expectTlv(buf, alg.end, spki.end, TAG_BIT_STRING, "public key");
  if (key === null) return null;
  if (key.length < 1) { setDerError("empty public key"); return null; }
  const oid = oidString(buf, oidT);
  const m = new MapWriter();
  const kStart = key.start + 1; // the unused-bits byte
  if (oid == "1.2.840.113549.1.1.1" || oid == "1.2.840.113549.1.1.10") {
    m.str("algorithm", oid == "1.2.840.113549.1.1.1" ? "rsa" : "rsassa-pss");
    const seq = expectTlv(buf, kStart, key.end, TAG_SEQUENCE, "RSA key");
    if (seq === null) return null;
    const mod = expectTlv(buf, seq.start, seq.end, TAG_INTEGER, "RSA modulus");
    if (mod === null) return null;
    const exp = expectTlv(buf, mod.end, seq.end, TAG_INTEGER, "RSA exponent");
    if (exp === null) return null;
    m.int("key_size", bitLength(buf, mod.start, mod.end));
    let ms = mod.start;
    while (ms < mod.end - 1 && buf[ms] == 0) ms++;
    m.str("modulus", hex(buf, ms, mod.end, "", true));
    m.str("exponent", exp.length <= 8 ? decimal(buf, exp.start, exp.end) : hex(buf, exp.start, exp.end));
  } else if (oid == "1.2.840.10045.2.1") {
    m.str("algorithm", "ec");
    const param = readTlv(buf, oidT.end, alg.end);
    if (param !== null && param.tag == TAG_OID) {
      const name = curveName(oidString(buf, param));
      m.str("curve", name);
      const bits = curveBits(name);
      if (bits > 0) m.int("key_size", bits);
    }
    m.str("public_key", hex(buf, kStart, key.end));
  } else if (oid == "1.3.101.112" || oid == "1.3.101.113") {
    m.str("algorithm", oid == "1.3.101.112" ? "ed25519" : "ed448");
    m.int("key_size", oid == "1.3.101.112" ? 256 : 456);
    m.str("public_key", hex(buf, kStart, key.end));
  } else if (oid == "1.2.840.10040.4.1") {
    m.str("algorithm", "dsa");
    const params = readTlv(buf, oidT.end, alg.end);
    if (params !== null && params.tag == TAG_SEQUENCE) {
      const pT = readTlv(buf, params.start, params.end);
      if (pT !== null && pT.tag == TAG_INTEGER) m.int("key_size", bitLength(buf, pT.start, pT.end));
    }
  } else {
    m.str("algorithm", oid);
  }
  return m;
}

/** Parses one DER certificate; on failure `error` says what and where, and `asDict` holds what was read. */
export function parseCertificate(buf: Uint8Array): Cert {
  const c = new Cert();
  const whole = check(buf, 0);
  if (whole === null) return fail(c, "");
  if (whole.tag != TAG_SEQUENCE) return fail(c, "not a SEQUENCE");
  if (whole.end != buf.length) return fail(c, (buf.length - whole.end).toString() + " bytes after the certificate");
  const tbs = expectTlv(buf, whole.start, whole.end, TAG_SEQUENCE, "tbsCertificate");
  if (tbs === null) return fail(c, "");
  const sigAlg = expectTlv(buf, tbs.end, whole.end, TAG_SEQUENCE, "signatureAlgorithm");
  if (sigAlg === null) return fail(c, "");
  const sigOid = expectTlv(buf, sigAlg.start, sigAlg.end, TAG_OID, "signatureAlgorithm id");
  if (sigOid === null) return fail(c, "");
  const sigVal = expectTlv(buf, sigAlg.end, whole.end, TAG_BIT_STRING, "signatureValue");
  if (sigVal === null) return fail(c, "");

  const d = c.asDict;
  let p = tbs.start;
  let version = 1;
  let t = readTlv(buf, p, tbs.end);
  if (t === null) return fail(c, "version: " + derError);
  if (t.tag == 0xa0) {
    const v = expectTlv(buf, t.start, t.end, TAG_INTEGER, "version");
    if (v === null) return fail(c, "");
    if (v.length != 1 || buf[v.start] > 2) return fail(c, "unsupported version");
    version = <i32>buf[v.start] + 1;
    p = t.end;
  }
  d.int("version", version);
  const serial = expectTlv(buf, p, tbs.end, TAG_INTEGER, "serialNumber");
  if (serial === null) return fail(c, "");
  if (serial.length == 0 || serial.length > 64) return fail(c, "serialNumber of " + serial.length.toString() + " bytes");
  d.str("serial_number", decimal(buf, serial.start, serial.end));
  let ss = serial.start;
  while (ss < serial.end - 1 && buf[ss] == 0) ss++;
  d.str("serial_number_hex", hex(buf, ss, serial.end, "", true));
  const innerSig = expectTlv(buf, serial.end, tbs.end, TAG_SEQUENCE, "signature");
  if (innerSig === null) return fail(c, "");
  c.signatureAlgorithm = signatureName(oidString(buf, sigOid));
  d.str("signature_algorithm", c.signatureAlgorithm);
  d.str("signature_value", hex(buf, min(sigVal.start + 1, sigVal.end), sigVal.end)); // after the unused-bits byte
  const issuer = expectTlv(buf, innerSig.end, tbs.end, TAG_SEQUENCE, "issuer");
  if (issuer === null) return fail(c, "");
  const issuerMap = parseName(buf, issuer, c, false);
  if (issuerMap === null) return fail(c, "issuer: " + derError);
  d.map("issuer", issuerMap);
  const validity = expectTlv(buf, issuer.end, tbs.end, TAG_SEQUENCE, "validity");
  if (validity === null) return fail(c, "");
  const nb = readTlv(buf, validity.start, validity.end);
  if (nb === null) return fail(c, "notBefore: " + derError);
  const na = readTlv(buf, nb.end, validity.end);
  if (na === null) return fail(c, "notAfter: " + derError);
  const nbT = nb.tag == TAG_UTC_TIME || nb.tag == TAG_GENERALIZED_TIME ? parseTime(buf, nb) : null;
  const naT = na.tag == TAG_UTC_TIME || na.tag == TAG_GENERALIZED_TIME ? parseTime(buf, na) : null;
  if (nbT === null || naT === null) return fail(c, "malformed validity time");
  c.notBeforeMs = nbT.ms;
  c.notAfterMs = naT.ms;
  c.notAfterIso = naT.iso;
  d.map("validity", new MapWriter().str("not_before", nbT.iso).str("not_after", naT.iso));
  const subject = expectTlv(buf, validity.end, tbs.end, TAG_SEQUENCE, "subject");
  if (subject === null) return fail(c, "");
  const subjectMap = parseName(buf, subject, c, true);
  if (subjectMap === null) return fail(c, "subject: " + derError);
  d.map("subject", subjectMap);
  c.selfIssued = subject.length == issuer.length && memory.compare(buf.dataStart + <usize>subject.start, buf.dataStart + <usize>issuer.start, <usize>subject.length) == 0;
  const spki = expectTlv(buf, subject.end, tbs.end, TAG_SEQUENCE, "subjectPublicKeyInfo");
  if (spki === null) return fail(c, "");
  const pk = parseSpki(buf, spki);
  if (pk === null) return fail(c, "subjectPublicKeyInfo: " + derError);
  d.map("public_key_info", pk);
  p = spki.end;
  while (p < tbs.end) {
    const f = readTlv(buf, p, tbs.end);
    if (f === null) return fail(c, "");
    if (f.tag == 0xa3) {
      const exts = expectTlv(buf, f.start, f.end, TAG_SEQUENCE, "extensions");
      if (exts === null) return fail(c, "");
      const em = parseExtensions(buf, exts);
      if (em === null) return fail(c, "extensions: " + derError);
      d.map("extensions", em);
    }
    p = f.end;
  }
  return c;
}
