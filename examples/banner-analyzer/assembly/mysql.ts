// MySQL/MariaDB initial handshake (protocol 10): 3-byte little-endian length,
// sequence 0, 0x0a, server version NUL-terminated ("8.0.36-0ubuntu0.22.04.1",
// MariaDB: "5.5.5-10.11.19-MariaDB-0+deb12u1"), or an error packet (0xff) for
// a refused host.
import { Service } from "@wasmap/sdk-assemblyscript";
import { addOsCpe, clean, numericPrefix, service } from "./text";

export function matchMysql(b: Uint8Array, text: string): Service | null {
  if (b.length < 8 || b[3] != 0) return null;
  const len = <i32>b[0] | (<i32>b[1] << 8) | (<i32>b[2] << 16);
  if (len < 4 || len > 0x4000) return null;
  if (b[4] == 0xff) {
    // error packet: 0xff, errno (LE16), message
    const msg = clean(text.substring(7, min(b.length, 4 + len)), 200);
    if (!msg.toLowerCase().includes("mysql") && !msg.toLowerCase().includes("mariadb")) return null;
    const s = msg.toLowerCase().includes("mariadb")
      ? service("mysql", "MariaDB", "", 0.9, "mariadb", "mariadb")
      : service("mysql", "MySQL", "", 0.9, "mysql", "mysql");
    s.extrainfo = msg;
    return s;
  }
  if (b[4] != 10) return null;
  const end = text.indexOf("\0", 5);
  if (end < 6 || end > 5 + 80) return null;
  let ver = clean(text.substring(5, end), 80);
  if (ver.length == 0 || ver.charCodeAt(0) < 0x30 || ver.charCodeAt(0) > 0x39) return null;
  const mariadb = ver.includes("MariaDB");
  // MariaDB prefixes "5.5.5-" so old replication clients accept it
  if (mariadb && ver.startsWith("5.5.5-")) ver = ver.substring(6);
  const version = numericPrefix(ver);
  let extra = ver.substring(version.length);
  if (extra.startsWith("-MariaDB")) extra = extra.substring(8);
  if (extra.startsWith("-")) extra = extra.substring(1);
  const s = mariadb
    ? service("mysql", "MariaDB", version, 1.0, "mariadb", "mariadb")
    : service("mysql", "MySQL", version, 1.0, "mysql", "mysql");
  s.extrainfo = extra;
  addOsCpe(s, extra);
  return s;
}
