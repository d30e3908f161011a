// SSH identification string (RFC 4253 §4.2):
//   SSH-protoversion-softwareversion SP comments CR LF
// e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3".
import { Service, firstLine } from "@wasmap/sdk-assemblyscript";
import { addOsCpe, clean, isVersion, service } from "./text";

export function matchSsh(text: string): Service | null {
  // servers may send other lines before the identification (RFC 4253)
  let at = text.startsWith("SSH-") ? 0 : text.indexOf("\nSSH-") + 1;
  if (at <= 0 && !text.startsWith("SSH-")) return null;
  const line = clean(firstLine(text.substring(at)), 255);
  const dash = line.indexOf("-", 4);
  if (dash < 0) return null;
  const proto = line.substring(4, dash);
  const rest = line.substring(dash + 1);
  const sp = rest.indexOf(" ");
  const software = sp < 0 ? rest : rest.substring(0, sp);
  const comments = sp < 0 ? "" : rest.substring(sp + 1).trim();
  const us = software.indexOf("_");
  const name = us < 0 ? software : software.substring(0, us);
  const ver = us < 0 ? "" : software.substring(us + 1);
  const version = isVersion(ver) ? ver : "";
  let s: Service;
  const lower = name.toLowerCase();
  if (lower == "openssh") s = service("ssh", "OpenSSH", version, 1.0, "openbsd", "openssh");
  else if (lower == "dropbear") s = service("ssh", "Dropbear sshd", version, 1.0, "matt_johnston", "dropbear_ssh_server");
  else s = service("ssh", name, version, 0.9, "", "");
  s.extrainfo = comments.length > 0 ? comments + "; protocol " + proto : "protocol " + proto;
  addOsCpe(s, comments);
  return s;
}
