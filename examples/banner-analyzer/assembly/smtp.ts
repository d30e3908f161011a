// SMTP greeting (RFC 5321 §4.2, reply 220): "220 host ESMTP Exim 4.96 <date>",
// "220 host ESMTP Postfix (Debian/GNU)", "220 host ESMTP Sendmail 8.15.2/8.15.2; <date>".
import { Service, firstLine } from "@wasmap/sdk-assemblyscript";
import { addOsCpe, clean, service, versionAfter, words } from "./text";

export function matchSmtp(text: string): Service | null {
  if (!text.startsWith("220")) return null;
  const line = clean(firstLine(text), 255);
  const lower = line.toLowerCase();
  if (!lower.includes("smtp") && !lower.includes("mail")) return null;
  const w = words(line.substring(4));
  const host = w.length > 0 ? w[0] : "";
  let s: Service;
  if (lower.includes(" exim ")) s = service("smtp", "Exim smtpd", versionAfter(w, "exim"), 1.0, "exim", "exim");
  else if (lower.includes("postfix")) s = service("smtp", "Postfix smtpd", "", 1.0, "postfix", "postfix");
  else if (lower.includes("sendmail")) s = service("smtp", "Sendmail", versionAfter(w, "sendmail"), 1.0, "sendmail", "sendmail");
  else if (lower.includes("microsoft esmtp")) s = service("smtp", "Microsoft ESMTP", "", 0.9, "microsoft", "exchange_server");
  else s = service("smtp", "", "", 0.8, "", "");
  if (host.length > 0) s.extrainfo = "host " + host;
  addOsCpe(s, line);
  return s;
}
