// memcached text protocol: "VERSION 1.6.18" (reply to `version`) or a
// `stats` dump ("STAT pid 1234 … STAT version 1.6.18").
import { Service, firstLine } from "@wasmap/sdk-assemblyscript";
import { clean, isVersion, service } from "./text";

export function matchMemcached(text: string): Service | null {
  let v = "";
  if (text.startsWith("VERSION ")) v = clean(firstLine(text.substring(8)), 40);
  else if (text.startsWith("STAT ")) {
    const at = text.indexOf("STAT version ");
    if (at < 0) return null;
    v = clean(firstLine(text.substring(at + 13)), 40);
  } else return null;
  if (!isVersion(v)) return null;
  return service("memcached", "Memcached", v, 1.0, "memcached", "memcached");
}
