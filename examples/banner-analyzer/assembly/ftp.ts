// FTP greeting (RFC 959 reply 220): "220 (vsFTPd 3.0.3)",
// "220 ProFTPD 1.3.8 Server (Debian) [::ffff:127.0.0.1]", "220---------- Welcome to Pure-FTPd".
import { Service, firstLine } from "@wasmap/sdk-assemblyscript";
import { clean, service, versionAfter, words } from "./text";

export function matchFtp(text: string): Service | null {
  if (!text.startsWith("220")) return null;
  const line = clean(firstLine(text), 255);
  const lower = line.toLowerCase();
  const w = words(line.replaceAll("(", " ").replaceAll(")", " "));
  if (lower.includes("vsftpd")) return service("ftp", "vsftpd", versionAfter(w, "vsftpd"), 1.0, "beasts", "vsftpd");
  if (lower.includes("proftpd")) return service("ftp", "ProFTPD", versionAfter(w, "proftpd"), 1.0, "proftpd", "proftpd");
  if (lower.includes("pure-ftpd")) return service("ftp", "Pure-FTPd", "", 0.95, "pureftpd", "pure-ftpd");
  if (lower.includes("filezilla server")) return service("ftp", "FileZilla ftpd", versionAfter(w, "server"), 0.95, "filezilla-project", "filezilla_server");
  if (lower.includes("ftp")) return service("ftp", "", "", 0.7, "", "");
  return null;
}
