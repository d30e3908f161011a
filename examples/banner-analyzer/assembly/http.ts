// HTTP response: status line "HTTP/1.x NNN …", then headers; `Server:`
// names the product ("nginx/1.22.1", "Apache/2.4.57 (Debian)").
import { Service } from "@wasmap/sdk-assemblyscript";
import { addOsCpe, clean, isVersion, service } from "./text";

export function matchHttp(text: string): Service | null {
  if (!text.startsWith("HTTP/1.") && !text.startsWith("HTTP/2")) return null;
  const lower = text.toLowerCase();
  let at = lower.indexOf("\nserver:");
  if (at < 0) return service("http", "", "", 0.8, "", "");
  at += 8;
  let end = text.indexOf("\n", at);
  if (end < 0) end = text.length;
  const value = clean(text.substring(at, end), 200);
  // "Apache/2.4.57 (Debian)" → product token, then comments
  const sp = value.indexOf(" ");
  const token = sp < 0 ? value : value.substring(0, sp);
  const comments = sp < 0 ? "" : value.substring(sp + 1).trim();
  const slash = token.indexOf("/");
  const name = slash < 0 ? token : token.substring(0, slash);
  const ver = slash < 0 ? "" : token.substring(slash + 1);
  const version = isVersion(ver) ? ver : "";
  const n = name.toLowerCase();
  let s: Service;
  if (n == "nginx") s = service("http", "nginx", version, 1.0, "igor_sysoev", "nginx");
  else if (n == "apache") s = service("http", "Apache httpd", version, 1.0, "apache", "http_server");
  else if (n == "lighttpd") s = service("http", "lighttpd", version, 1.0, "lighttpd", "lighttpd");
  else if (n == "microsoft-iis") s = service("http", "Microsoft IIS httpd", version, 1.0, "microsoft", "internet_information_services");
  else if (n == "caddy") s = service("http", "Caddy", version, 1.0, "caddyserver", "caddy");
  else s = service("http", name, version, 0.9, "", "");
  if (comments.length > 0) {
    s.extrainfo = comments.startsWith("(") && comments.endsWith(")") ? comments.substring(1, comments.length - 1) : comments;
    addOsCpe(s, comments);
  }
  return s;
}
