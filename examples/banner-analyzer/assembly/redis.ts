// Redis (RESP): an INFO reply ("$615\r\n# Server\r\nredis_version:7.0.15…"),
// or the error replies only Redis sends: "-NOAUTH Authentication required.",
// "-DENIED Redis is running in protected mode…", "-ERR unknown command …",
// "-WRONGPASS …", and "+PONG".
import { Service, firstLine } from "@wasmap/sdk-assemblyscript";
import { clean, isVersion, service } from "./text";

function field(text: string, key: string): string {
  const at = text.indexOf("\n" + key + ":");
  if (at < 0) return "";
  return clean(firstLine(text.substring(at + key.length + 2)), 64);
}

export function matchRedis(text: string): Service | null {
  if (text.startsWith("$") && text.includes("redis_version:")) {
    const v = field(text, "redis_version");
    const s = service("redis", "Redis key-value store", isVersion(v) ? v : "", 1.0, "redislabs", "redis");
    const mode = field(text, "redis_mode");
    const os = field(text, "os");
    s.extrainfo = mode.length > 0 ? mode + (os.length > 0 ? "; " + os : "") : os;
    return s;
  }
  const line = firstLine(text);
  if (line.startsWith("-NOAUTH ")) {
    const s = service("redis", "Redis key-value store", "", 0.95, "redislabs", "redis");
    s.extrainfo = "authentication required";
    return s;
  }
  if (line.startsWith("-DENIED Redis")) {
    const s = service("redis", "Redis key-value store", "", 1.0, "redislabs", "redis");
    s.extrainfo = "protected mode";
    return s;
  }
  if (line.startsWith("-WRONGPASS ") || line.startsWith("-ERR unknown command") || line == "+PONG") {
    return service("redis", "Redis key-value store", "", 0.85, "redislabs", "redis");
  }
  return null;
}
