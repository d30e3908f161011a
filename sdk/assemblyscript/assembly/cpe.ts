// CPE 2.2 URIs (`cpe:/a:vendor:product:version`), as nmap and the ABI §7
// `service.cpe` list write them.

/** Lowercase, with every char a CPE 2.2 component may not hold replaced by "_". */
export function cpePart(s: string): string {
  const l = s.toLowerCase();
  let out = "";
  for (let i = 0; i < l.length; i++) {
    const c = l.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x2d || c == 0x7e || c == 0x2b;
    out += ok ? String.fromCharCode(c) : "_";
  }
  return out;
}

/** `cpe:/<part>:vendor:product[:version]`; `part` is "a" (application), "o" (OS) or "h" (hardware). */
export function cpeUri(part: string, vendor: string, product: string, version: string = ""): string {
  let s = "cpe:/" + part + ":" + vendor + ":" + product;
  if (version.length > 0) s += ":" + cpePart(version);
  return s;
}
