// The hand-written half of the match database: for the services whose
// replies need code (lengths, binary fields, cut-reply rules), code that
// recognises a reply and extracts product, version, extrainfo, ostype,
// hostname and CPEs; the regex half is db/service-db.txt (own-db.ts).
// Written for wasmap from protocol knowledge (no nmap-service-probes content).
// Every matcher is total on hostile input: any byte string gives a Match or
// null, never a trap (lengths are checked before every read).
import { cpePart, cpeUri, firstLine, isDigit, latin1 } from "@wasmap/sdk-assemblyscript";
import { after, header, leadingVersion, linuxHint, token, versionToken } from "./text";
import { PASS_GENERIC, PASS_SPECIFIC, matchOwn } from "./own-db";

export const METHOD_MATCHING = "probe_matching";
export const METHOD_EXTRACTION = "probe_extraction";

export class Match {
  product: string = "";
  version: string = "";
  extrainfo: string = "";
  ostype: string = "";
  hostname: string = "";
  devicetype: string = "";
  cpe: string[] = new Array<string>(0);
  /** Soft: the protocol is known but not the product; the search goes on. */
  soft: bool = false;
  /** probe_matching: a product signature matched; probe_extraction: only the protocol's shape. */
  method: string = METHOD_MATCHING;
  /** The reply says a TLS handshake must come first (e.g. plain HTTP to an HTTPS port). */
  needsTls: bool = false;
  /** Where the match came from: "" for our own database, "nmap-service-probes" for the opt-in. */
  source: string = "";

  constructor(public name: string) {}

  static soft(name: string): Match {
    const m = new Match(name);
    m.soft = true;
    m.method = METHOD_EXTRACTION;
    return m;
  }

  /** Adds `cpe:/o:linux:linux_kernel` and ostype Linux when `hint` names a distribution. */
  osFrom(hint: string): Match {
    if (linuxHint(hint)) {
      this.ostype = "Linux";
      this.cpe.push("cpe:/o:linux:linux_kernel");
    }
    return this;
  }

  /** Confidence per the brief: hard+version 0.95, hard 0.85, soft 0.6. */
  get confidence(): f64 {
    if (this.soft) return 0.6;
    return this.version.length > 0 ? 0.95 : 0.85;
  }
}

/**
 * One reply to `probe` against the whole database: the binary answers to our
 * own probes, then the database's lines that name a product (own-db.ts), then
 * the hand-written matchers below, then the database's lines that take the
 * product from the reply and its softmatches. The first hard match wins; else
 * the hand-written soft match, else the database's.
 */
export function matchReply(probe: string, b: Uint8Array): Match | null {
  if (b.length == 0) return null;
  const t = latin1(b);
  let m: Match | null = null;
  // binary protocols whose replies only make sense for their own probe first
  if (probe == "PostgresSSLRequest") { m = matchPostgresSsl(b); if (m !== null) return m; }
  if (probe == "MQTTConnect") { m = matchMqtt(b); if (m !== null) return m; }
  if (probe == "DNSVersionBindReqTCP") { m = matchDns(b, t); if (m !== null) return m; }
  if ((m = matchOwn(probe, t, PASS_SPECIFIC)) !== null) return m;
  const hand = matchHand(probe, b, t);
  if (hand !== null && !hand.soft) return hand;
  const own = matchOwn(probe, t, PASS_GENERIC);
  if (own !== null && !own.soft) return own;
  return hand !== null ? hand : own;
}

function matchHand(probe: string, b: Uint8Array, t: string): Match | null {
  let m: Match | null = null;
  if ((m = matchSsh(t)) !== null) return m;
  if ((m = matchMysql(b, t)) !== null) return m;
  if ((m = matchHttp(t)) !== null) return m;
  if ((m = matchSmtpOrFtp(t)) !== null) return m;
  if ((m = matchPop3(t, probe)) !== null) return m;
  if ((m = matchImap(t)) !== null) return m;
  if ((m = matchRedis(t)) !== null) return m;
  if ((m = matchMemcached(t)) !== null) return m;
  if ((m = matchRsync(t)) !== null) return m;
  if ((m = matchVnc(t)) !== null) return m;
  if ((m = matchTelnet(b)) !== null) return m;
  if ((m = matchPostgresError(b, t)) !== null) return m;
  if ((m = matchTlsRecord(b)) !== null) return m;
  return null;
}

/** A line-based greeting counts only once its first line has ended. */
function complete(t: string): bool { return t.indexOf("\n") >= 0; }

// --- ssh (RFC 4253 §4.2: "SSH-protoversion-softwareversion SP comments CR LF")

export function matchSsh(t: string): Match | null {
  if (!t.startsWith("SSH-") || !complete(t)) return null;
  const line = firstLine(t);
  const dash = line.indexOf("-", 4);
  if (dash < 0) return null;
  const proto = line.substring(4, dash);
  const sp = line.indexOf(" ", dash + 1);
  const software = sp < 0 ? line.substring(dash + 1) : line.substring(dash + 1, sp);
  const comment = sp < 0 ? "" : line.substring(sp + 1);
  if (software.startsWith("OpenSSH_")) {
    const m = new Match("ssh");
    m.product = "OpenSSH";
    m.version = software.substring(8);
    m.extrainfo = comment.length > 0 ? comment.replace("-", " ") + "; protocol " + proto : "protocol " + proto;
    m.cpe.push(cpeUri("a", "openbsd", "openssh", m.version));
    return m.osFrom(comment);
  }
  if (software.startsWith("dropbear")) {
    const m = new Match("ssh");
    m.product = "Dropbear sshd";
    m.version = software.length > 9 ? software.substring(9) : "";
    m.extrainfo = "protocol " + proto;
    m.cpe.push(cpeUri("a", "matt_johnston", "dropbear_ssh_server", m.version));
    return m.osFrom(comment);
  }
  // an SSH server we have no signature for: its software field is still worth keeping
  const m = Match.soft("ssh");
  m.extrainfo = "protocol " + proto + (software.length > 0 ? "; software " + software : "");
  return m.osFrom(comment);
}

// --- http (RFC 9112 status line + Server header)

export function matchHttp(t: string): Match | null {
  if (!t.startsWith("HTTP/1.") && !t.startsWith("HTTP/2") && !t.startsWith("HTTP/0.9")) return null;
  const code = after(t, " ", " \r\n");
  if (code.length != 3 || !isDigit(code.charCodeAt(0))) return null;
  // headers cut short: the service is HTTP, the Server value may be cut, so claim nothing more
  if (t.indexOf("\r\n\r\n") < 0 && t.indexOf("\n\n") < 0) return Match.soft("http");
  const server = header(t, "Server");
  // a TLS server answering plaintext with an HTTP error (nginx: "The plain HTTP request was sent to HTTPS port")
  const plainToTls = t.indexOf("plain HTTP request was sent to HTTPS port") >= 0 || t.indexOf("speaking plain HTTP to an SSL-enabled") >= 0;
  let m: Match;
  if (server.startsWith("nginx")) {
    m = new Match("http");
    m.product = "nginx";
    m.version = server.startsWith("nginx/") ? versionToken(server, 6) : "";
    m.cpe.push(cpeUri("a", "igor_sysoev", "nginx", m.version));
  } else if (server.startsWith("Apache")) {
    m = new Match("http");
    m.product = "Apache httpd";
    m.version = server.startsWith("Apache/") ? leadingVersion(server.substring(7)) : "";
    const paren = server.indexOf("(");
    if (paren >= 0) m.extrainfo = token(server, paren + 1, ")");
    m.cpe.push(cpeUri("a", "apache", "http_server", m.version));
    m.osFrom(m.extrainfo);
  } else if (server.startsWith("lighttpd")) {
    m = new Match("http");
    m.product = "lighttpd";
    m.version = server.startsWith("lighttpd/") ? versionToken(server, 9) : "";
    m.cpe.push(cpeUri("a", "lighttpd", "lighttpd", m.version));
  } else if (server.length > 0) {
    // unknown product: take "Name/Version" apart; the service is certain, the product name is the server's own
    m = new Match("http");
    m.method = METHOD_EXTRACTION;
    const slash = server.indexOf("/");
    m.product = slash < 0 ? token(server, 0, " ") : server.substring(0, slash);
    m.version = slash < 0 ? "" : versionToken(server, slash + 1);
    m.cpe.push(cpeUri("a", cpePart(m.product), cpePart(m.product), m.version));
  } else {
    m = Match.soft("http");
  }
  if (plainToTls) {
    m.name = "https";
    m.needsTls = true;
    m.soft = true;
  }
  return m;
}

// --- smtp (RFC 5321 §4.2 "220 domain ESMTP text") and ftp (RFC 959 "220 text")

export function matchSmtpOrFtp(t: string): Match | null {
  if (!t.startsWith("220") || !complete(t)) return null;
  const line = firstLine(t);
  const rest = line.length > 4 ? line.substring(4) : "";
  if (rest.indexOf("vsFTPd") >= 0) {
    const m = new Match("ftp");
    m.product = "vsftpd";
    m.version = versionToken(rest, rest.indexOf("vsFTPd") + 7);
    m.cpe.push(cpeUri("a", "beasts", "vsftpd", m.version));
    return m;
  }
  if (rest.indexOf("ProFTPD") >= 0) {
    const m = new Match("ftp");
    m.product = "ProFTPD";
    m.version = versionToken(rest, rest.indexOf("ProFTPD") + 8);
    const paren = rest.indexOf("(");
    if (paren >= 0) m.extrainfo = token(rest, paren + 1, ")");
    m.cpe.push(cpeUri("a", "proftpd", "proftpd", m.version));
    return m.osFrom(m.extrainfo);
  }
  if (t.indexOf("Pure-FTPd") >= 0) {
    const m = new Match("ftp");
    m.product = "Pure-FTPd";
    m.cpe.push(cpeUri("a", "pureftpd", "pure-ftpd"));
    return m;
  }
  const hostname = token(rest, 0, " \r\n");
  if (rest.indexOf(" Exim ") >= 0) {
    const m = new Match("smtp");
    m.product = "Exim smtpd";
    m.version = versionToken(rest, rest.indexOf(" Exim ") + 6);
    m.hostname = hostname;
    m.cpe.push(cpeUri("a", "exim", "exim", m.version));
    return m;
  }
  if (rest.indexOf("Postfix") >= 0) {
    const m = new Match("smtp");
    m.product = "Postfix smtpd";
    m.hostname = hostname;
    const paren = rest.indexOf("(");
    if (paren >= 0) m.extrainfo = token(rest, paren + 1, ")");
    m.cpe.push(cpeUri("a", "postfix", "postfix"));
    return m.osFrom(m.extrainfo);
  }
  if (rest.indexOf("Sendmail") >= 0) {
    const m = new Match("smtp");
    m.product = "Sendmail";
    // "Sendmail 8.15.2/8.15.2;": the first number is the binary's version
    m.version = leadingVersion(rest.substring(rest.indexOf("Sendmail") + 9));
    m.hostname = hostname;
    m.cpe.push(cpeUri("a", "sendmail", "sendmail", m.version));
    return m;
  }
  if (rest.indexOf("SMTP") >= 0 || rest.indexOf("smtp") >= 0 || rest.indexOf(" mail") >= 0) {
    const m = Match.soft("smtp");
    m.hostname = hostname;
    return m;
  }
  if (rest.indexOf("FTP") >= 0 || rest.indexOf("ftp") >= 0) return Match.soft("ftp");
  return null;
}

// --- pop3 (RFC 1939 "+OK") and imap (RFC 9051 "* OK")

export function matchPop3(t: string, probe: string): Match | null {
  if (!t.startsWith("+OK") || !complete(t)) return null;
  const line = firstLine(t);
  if (line.indexOf("Dovecot") >= 0) {
    const m = new Match("pop3");
    m.product = "Dovecot pop3d";
    m.cpe.push(cpeUri("a", "dovecot", "dovecot"));
    return m.osFrom(line);
  }
  // "+OK" unprompted is a POP3 greeting; after a command it could be Redis
  return probe == "NULL" ? Match.soft("pop3") : null;
}

export function matchImap(t: string): Match | null {
  if ((!t.startsWith("* OK") && !t.startsWith("* PREAUTH")) || !complete(t)) return null;
  const line = firstLine(t);
  if (line.indexOf("Dovecot") >= 0) {
    const m = new Match("imap");
    m.product = "Dovecot imapd";
    m.cpe.push(cpeUri("a", "dovecot", "dovecot"));
    return m.osFrom(line);
  }
  return line.indexOf("IMAP") >= 0 ? Match.soft("imap") : null;
}

// --- redis (RESP; INFO's "# Server" section)

export function matchRedis(t: string): Match | null {
  const ver = after(t, "redis_version:", "\r\n");
  // the value counts only with its line end: a cut reply must not give a cut version
  if (ver.length > 0 && t.indexOf("redis_version:" + ver + "\r\n") >= 0) {
    const m = new Match("redis");
    m.product = "Redis key-value store";
    m.version = ver;
    m.cpe.push(cpeUri("a", "redis", "redis", ver));
    const os = after(t, "\nos:", "\r\n");
    if (os.length > 0 && t.indexOf("\nos:" + os + "\r\n") >= 0) {
      m.extrainfo = os;
      m.osFrom(os);
    }
    return m;
  }
  if (t.startsWith("-NOAUTH") || t.startsWith("-DENIED")) {
    const m = new Match("redis");
    m.product = "Redis key-value store";
    m.extrainfo = "authentication required";
    m.cpe.push(cpeUri("a", "redis", "redis"));
    return m;
  }
  if (t.startsWith("-ERR wrong number of arguments for 'get'") || t.startsWith("-ERR unknown command") || t.startsWith("+PONG")) {
    return Match.soft("redis");
  }
  return null;
}

// --- memcached (text protocol "VERSION x")

export function matchMemcached(t: string): Match | null {
  // "ERROR" is memcached's answer to a line it does not know (an empty one included)
  if (t.startsWith("ERROR\r\n") && t.replaceAll("ERROR\r\n", "").length == 0) return Match.soft("memcached");
  if (!t.startsWith("VERSION ") || !complete(t)) return null;
  const m = new Match("memcached");
  m.product = "Memcached";
  m.version = versionToken(t, 8);
  m.cpe.push(cpeUri("a", "memcached", "memcached", m.version));
  return m;
}

// --- mysql / mariadb (Initial Handshake v10: 3-byte length, seq 0, protocol 10, NUL-terminated version)

export function matchMysql(b: Uint8Array, t: string): Match | null {
  if (b.length < 6 || b[3] != 0) return null;
  const len = <i32>b[0] | (<i32>b[1] << 8) | (<i32>b[2] << 16);
  if (len < 2 || len > 1 << 16) return null;
  if (b[4] == 0xff) {
    // an error packet instead of a handshake: "Host … is not allowed to connect"
    if (b.length < 8) return null;
    const m = new Match("mysql");
    m.product = "MySQL";
    m.extrainfo = "unauthorized";
    const msg = t.substring(7, min(t.length, 4 + len));
    if (msg.indexOf("MariaDB") >= 0) m.product = "MariaDB";
    m.soft = true;
    return m;
  }
  if (b[4] != 10) return null;
  let end = 5;
  while (end < b.length && end < 4 + len && b[end] != 0) end++;
  if (end >= b.length || b[end] != 0 || end == 5) return null;
  const raw = t.substring(5, end);
  if (!isDigit(raw.charCodeAt(0))) return null;
  const m = new Match("mysql");
  const maria = raw.indexOf("-MariaDB");
  if (maria >= 0) {
    // MariaDB 10+ prefixes "5.5.5-" so old clients accept it
    const v = raw.startsWith("5.5.5-") ? raw.substring(6) : raw;
    m.product = "MariaDB";
    m.version = leadingVersion(v);
    m.extrainfo = raw;
    m.cpe.push(cpeUri("a", "mariadb", "mariadb", m.version));
  } else {
    m.product = "MySQL";
    m.version = versionToken(raw);
    m.cpe.push(cpeUri("a", "mysql", "mysql", m.version));
  }
  return m.osFrom(raw);
}

// --- postgresql (SSLRequest answer, or an ErrorResponse to a bad startup packet)

export function matchPostgresSsl(b: Uint8Array): Match | null {
  // exactly one byte, S or N; a longer reply is some other protocol
  if (b.length != 1 || (b[0] != 0x53 && b[0] != 0x4e)) return null;
  const m = new Match("postgresql");
  m.product = "PostgreSQL DB";
  m.extrainfo = b[0] == 0x53 ? "SSL supported" : "SSL not supported";
  m.cpe.push(cpeUri("a", "postgresql", "postgresql"));
  return m;
}

export function matchPostgresError(b: Uint8Array, t: string): Match | null {
  // 'E', int32 length, then fields: S<severity>\0 … C<sqlstate>\0 M<message>\0
  if (b.length < 8 || b[0] != 0x45 || b[1] != 0) return null;
  if (t.indexOf("SFATAL\0") < 0 && t.indexOf("SERROR\0") < 0) return null;
  const m = new Match("postgresql");
  m.product = "PostgreSQL DB";
  m.cpe.push(cpeUri("a", "postgresql", "postgresql"));
  return m;
}

// --- mqtt (3.1.1 §3.2 CONNACK: 0x20 0x02 flags rc)

export function matchMqtt(b: Uint8Array): Match | null {
  if (b.length < 4 || b[0] != 0x20 || b[1] != 0x02 || b[2] > 1) return null;
  const m = Match.soft("mqtt");
  const rc = <i32>b[3];
  m.extrainfo = rc == 0 ? "connection accepted" : rc == 5 ? "not authorized" : rc == 4 ? "bad user name or password" : "return code " + rc.toString();
  return m;
}

/** mosquitto's `$SYS/broker/version` payload, e.g. "mosquitto version 2.0.11". */
export function matchMqttBrokerVersion(payload: string, into: Match): bool {
  if (!payload.startsWith("mosquitto version ")) return false;
  into.product = "Mosquitto";
  into.version = versionToken(payload, 18);
  into.cpe.push(cpeUri("a", "eclipse", "mosquitto", into.version));
  into.soft = false;
  into.method = METHOD_MATCHING;
  return true;
}

// --- rsync (daemon greeting "@RSYNCD: <protocol>[.<sub>] [digests]")

export function matchRsync(t: string): Match | null {
  if (!t.startsWith("@RSYNCD: ") || !complete(t)) return null;
  const m = new Match("rsync");
  m.product = "rsync";
  const proto = versionToken(t, 9);
  m.extrainfo = "protocol version " + proto;
  m.cpe.push(cpeUri("a", "samba", "rsync"));
  return m;
}

// --- vnc (RFB 6143 §7.1.1 "RFB 003.008\n")

export function matchVnc(t: string): Match | null {
  if (t.length < 12 || !t.startsWith("RFB ") || t.charAt(7) != "." || t.charAt(11) != "\n") return null;
  const m = Match.soft("vnc");
  const major = I32.parseInt(t.substring(4, 7));
  const minor = I32.parseInt(t.substring(8, 11));
  m.extrainfo = "protocol " + major.toString() + "." + minor.toString();
  return m;
}

// --- telnet (RFC 854: IAC WILL/WONT/DO/DONT option)

export function matchTelnet(b: Uint8Array): Match | null {
  if (b.length < 3 || b[0] != 0xff || b[1] < 0xfb || b[1] > 0xfe) return null;
  const m = Match.soft("telnet");
  let opts = "";
  for (let i = 0; i + 2 < b.length && i < 60; i += 3) {
    if (b[i] != 0xff || b[i + 1] < 0xfb || b[i + 1] > 0xfe) break;
    const verb = b[i + 1] == 0xfb ? "WILL" : b[i + 1] == 0xfc ? "WONT" : b[i + 1] == 0xfd ? "DO" : "DONT";
    opts += (opts.length > 0 ? " " : "") + verb + " " + b[i + 2].toString();
  }
  m.extrainfo = "negotiates " + opts;
  return m;
}

// --- dns (RFC 1035: a response with our id; TXT answer for version.bind)

export function matchDns(b: Uint8Array, t: string): Match | null {
  // 2-byte TCP length, then the header: id 0x7761 as sent, QR bit set
  if (b.length < 14 || b[2] != 0x77 || b[3] != 0x61 || (b[4] & 0x80) == 0) return null;
  const m = Match.soft("dns");
  const an = (<i32>b[8] << 8) | <i32>b[9];
  if (an == 0) return m;
  // skip the question (we sent it: 14-byte name + 4) and the answer's name pointer/type/class/ttl/rdlength
  const rdata = 2 + 12 + 18 + 12;
  if (b.length <= rdata) return m;
  const txtLen = <i32>b[rdata];
  if (rdata + 1 + txtLen > b.length) return m;
  const txt = t.substring(rdata + 1, rdata + 1 + txtLen);
  if (txt.length == 0) return m;
  const r = new Match("dns");
  if (txt.startsWith("dnsmasq-")) {
    r.product = "dnsmasq";
    r.version = versionToken(txt, 8);
    r.cpe.push(cpeUri("a", "thekelleys", "dnsmasq", r.version));
  } else if (txt.startsWith("unbound ")) {
    r.product = "Unbound";
    r.version = versionToken(txt, 8);
    r.cpe.push(cpeUri("a", "nlnetlabs", "unbound", r.version));
  } else if (txt.startsWith("PowerDNS")) {
    r.product = "PowerDNS";
    r.version = versionToken(txt, txt.indexOf(" ") + 1);
    r.cpe.push(cpeUri("a", "powerdns", "authoritative", r.version));
  } else if (isDigit(txt.charCodeAt(0))) {
    r.product = "ISC BIND";
    r.version = leadingVersion(txt);
    r.extrainfo = txt;
    r.cpe.push(cpeUri("a", "isc", "bind", r.version));
    r.osFrom(txt);
  } else {
    r.method = METHOD_EXTRACTION;
    r.soft = true;
    r.extrainfo = txt;
  }
  return r;
}

// --- a TLS record (alert or handshake) in reply to plaintext: the port wants TLS first

export function matchTlsRecord(b: Uint8Array): Match | null {
  if (b.length < 5 || (b[0] != 0x15 && b[0] != 0x16) || b[1] != 0x03 || b[2] > 0x04) return null;
  const m = Match.soft("ssl");
  m.needsTls = true;
  return m;
}
