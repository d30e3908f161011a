// Checks on the first-party service plugins' results. Each takes one result
// (already known to come from the plugin it reads) and returns a finding or
// null; the evidence names the result (plugin, port) and the field=value
// that proves it.
import { Finding, SEVERITY_CRITICAL, SEVERITY_HIGH, SEVERITY_INFO, SEVERITY_MEDIUM, Value } from "@wasmap/sdk-assemblyscript";
import { Result, show } from "./results";

function finding(id: string, title: string, severity: string, r: Result, proof: string): Finding {
  const f = new Finding(id, title, severity).at(r.port, r.transport); // A8: listed under the port it is about
  f.evidence = r.where() + proof;
  return f;
}

/** "auth_required=false" when the plugin said so; nothing when it said nothing. */
function authNote(r: Result): string {
  const a = r.at("auth_required");
  return a === null ? "" : ", auth_required=" + show(a);
}

/** redis: INFO was answered (redis_version present) and no AUTH was asked for. */
export function redisNoAuth(r: Result): Finding | null {
  if (r.isTrue("auth_required")) return null;
  const v = r.at("redis_version");
  if (v === null || !v.isString) return null;
  return finding("redis-no-auth", "Redis reachable without authentication", SEVERITY_HIGH, r, "redis_version=" + show(v) + authNote(r));
}

/** memcached: `stats` was answered (its `version` or `pid` STAT is there). */
export function memcachedNoAuth(r: Result): Finding | null {
  if (r.isTrue("auth_required")) return null;
  let key = "version";
  let v = r.at(key);
  if (v === null || !v.isString) { key = "pid"; v = r.at(key); }
  if (v === null || !v.isString) return null;
  return finding("memcached-no-auth", "memcached reachable without authentication", SEVERITY_HIGH, r, key + "=" + show(v) + authNote(r));
}

/** mqtt: CONNACK accepted a client with no user name or password. */
export function mqttNoAuth(r: Result): Finding | null {
  const code = r.at("connack.return_code");
  if (!r.isTrue("connected") || code === null || code.asInt(-1) != 0) return null;
  return finding("mqtt-no-auth", "MQTT broker accepts clients without credentials", SEVERITY_HIGH, r, "connected=true, connack.return_code=0");
}

/** mqtt: the anonymous subscription to # and $SYS/# delivered messages. */
export function mqttTopicsReadable(r: Result): Finding | null {
  if (!r.isTrue("connected")) return null;
  const topics = r.at("topics");
  if (topics === null || !topics.isArray || topics.length == 0) return null;
  const first = topics.asArray()[0];
  const n = r.at("num_topics");
  let proof = "num_topics=" + (n !== null ? show(n) : topics.length.toString());
  // a non-$SYS topic says more than the broker's own statistics
  let example = first.isMap ? first.getString("topic") : "";
  const list = topics.asArray();
  for (let i = 0; i < list.length; i++) {
    const t = list[i].isMap ? list[i].getString("topic") : "";
    if (t.length > 0 && !t.startsWith("$")) { example = t; break; }
  }
  if (example.length > 0) proof += ", topics[].topic=" + example;
  return finding("mqtt-topics-readable", "MQTT topics readable without credentials", SEVERITY_MEDIUM, r, proof);
}

/** ftp: USER anonymous was answered 230. */
export function ftpAnonymous(r: Result): Finding | null {
  if (!r.isTrue("anonymous")) return null;
  return finding("ftp-anonymous", "FTP allows anonymous login", SEVERITY_MEDIUM, r, "anonymous=true");
}

/** ftp: and the anonymous user could list the root. */
export function ftpAnonymousListing(r: Result): Finding | null {
  if (!r.isTrue("anonymous")) return null;
  const l = r.at("listing");
  if (l === null || !l.isArray || l.length == 0) return null;
  const first = l.asArray()[0];
  return finding("ftp-anonymous-listing", "FTP root directory readable anonymously", SEVERITY_MEDIUM, r,
    "listing=" + l.length.toString() + " entries, listing[0]=" + show(first));
}

function optionNames(v: Value | null): string {
  if (v === null || !v.isArray) return "";
  const list = v.asArray();
  let s = "";
  for (let i = 0; i < list.length && i < 6; i++) {
    const name = list[i].isMap ? list[i].getString("name") : "";
    if (name.length > 0) s += (s.length > 0 ? "," : "") + name;
  }
  return s;
}

/** telnet: the server negotiated options or sent a banner (cleartext logins). */
export function telnetExposed(r: Result): Finding | null {
  if (r.status != "success") return null;
  const will = optionNames(r.at("will"));
  const dos = optionNames(r.at("do"));
  let proof = "";
  if (will.length > 0) proof = "will=[" + will + "]";
  else if (dos.length > 0) proof = "do=[" + dos + "]";
  else {
    const b = r.str("banner").trim();
    if (b.length == 0) return null;
    proof = "banner=" + (b.length > 60 ? b.substring(0, 60) + "…" : b);
  }
  return finding("telnet-exposed", "Telnet service exposed (cleartext logins)", SEVERITY_HIGH, r, proof);
}

/** smtp: an EHLO reply without STARTTLS, on a port that is not implicit TLS. */
export function smtpNoStarttls(r: Result): Finding | null {
  const ext = r.at("extensions");
  if (ext === null || !ext.isMap) return null; // no EHLO reply: nothing to judge
  if (r.isTrue("starttls") || r.isTrue("implicit_tls") || r.at("tls") !== null) return null;
  if (ext.has("STARTTLS")) return null;
  const st = r.at("starttls");
  return finding("smtp-no-starttls", "SMTP server does not offer STARTTLS", SEVERITY_MEDIUM, r,
    "starttls=" + (st === null ? "absent" : show(st)) + ", extensions without STARTTLS");
}

/** postgresql: the server let a user in with no password (pg_hba `trust`). */
export function postgresTrust(r: Result): Finding | null {
  if (r.str("auth_method") != "trust") return null;
  return finding("postgresql-trust-auth", "PostgreSQL accepts logins without a password (trust)", SEVERITY_CRITICAL, r, "auth_method=trust");
}

/** mysql: a handshake came back, so the server listens beyond localhost. */
export function mysqlExposed(r: Result): Finding | null {
  const v = r.at("server_version");
  if (v === null || !v.isString) return null;
  const maria = v.asString().includes("MariaDB");
  return finding("mysql-exposed", (maria ? "MariaDB" : "MySQL") + " server reachable from the network", SEVERITY_INFO, r, "server_version=" + show(v));
}
