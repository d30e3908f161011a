// Typed access to one invocation's input (ABI §7): a msgpack map holding
// `target` (scanner/detection), `config` (validated, defaults filled by the
// host) and every `requires` key known at that point, e.g. `banner` (bin).
import { Value } from "./msgpack/value";
import { latin1 } from "./text/ascii";

export class Target {
  /** IPv4 or IPv6 text. */
  ip: string = "";
  port: i32 = 0;
  /** "tcp" or "udp". */
  transport: string = "tcp";
  /** The name the user gave, when there was one ("" otherwise). */
  hostname: string = "";
  /** True when the host already knows the port speaks TLS. */
  tls: bool = false;

  static from(v: Value): Target {
    const t = new Target();
    t.ip = v.getString("ip");
    t.port = <i32>v.getInt("port");
    t.transport = v.getString("transport", "tcp");
    t.hostname = v.getString("hostname");
    t.tls = v.getBool("tls");
    return t;
  }

  /** The name to connect to and to send as SNI: hostname if given, else ip. */
  get host(): string { return this.hostname.length > 0 ? this.hostname : this.ip; }
}

/** The plugin's config map (its manifest schema decides the keys and types). */
export class Config {
  constructor(readonly raw: Value) {}

  has(key: string): bool { return this.raw.has(key); }
  getString(key: string, fallback: string = ""): string { return this.raw.getString(key, fallback); }
  getInt(key: string, fallback: i64 = 0): i64 { return this.raw.getInt(key, fallback); }
  getFloat(key: string, fallback: f64 = 0): f64 { return this.raw.getFloat(key, fallback); }
  getBool(key: string, fallback: bool = false): bool { return this.raw.getBool(key, fallback); }
  getList(key: string): Array<Value> { return this.raw.getArray(key); }

  /** A `list` of strings (non-strings skipped). */
  getStringList(key: string): Array<string> {
    const items = this.raw.getArray(key);
    const out = new Array<string>(0);
    for (let i = 0; i < items.length; i++) if (items[i].isString) out.push(items[i].s);
    return out;
  }

  /** A `list` of integers (non-integers skipped). */
  getIntList(key: string): Array<i64> {
    const items = this.raw.getArray(key);
    const out = new Array<i64>(0);
    for (let i = 0; i < items.length; i++) if (items[i].isNumber) out.push(items[i].asInt());
    return out;
  }
}

export class Input {
  readonly target: Target | null;
  readonly config: Config;

  constructor(readonly raw: Value) {
    const t = raw.get("target");
    this.target = t !== null && t.isMap ? Target.from(t) : null;
    const c = raw.get("config");
    this.config = new Config(c !== null && c.isMap ? c : Value.map(new Array<string>(0), new Array<Value>(0)));
  }

  /** Any input key (`service`, `open_ports`, …), or null. */
  get(key: string): Value | null { return this.raw.get(key); }

  has(key: string): bool { return this.raw.has(key); }

  /** The `banner` key as bytes (bin, or str as UTF-8), or null. */
  banner(): Uint8Array | null {
    const b = this.raw.get("banner");
    return b === null ? null : b.asBytes();
  }

  /**
   * The banner as text, one char per byte (latin1), so binary protocols
   * (MySQL greetings, telnet IAC) survive for matching without UTF-8 errors.
   */
  bannerText(): string {
    const b = this.banner();
    return b === null ? "" : latin1(b);
  }
}
