// Cipher suites this plugin offers and names: IANA code point and name
// (https://www.iana.org/assignments/tls-parameters), OpenSSL's name, and the
// symmetric key size in bits. Weakness follows from the IANA name.

export class Suite {
  constructor(public code: u16, public iana: string, public openssl: string, public bits: i32) {}
  get anonymous(): bool { return this.iana.includes("_anon_"); }
  /** RC4 (RFC 7465 forbids it). */
  get rc4(): bool { return this.iana.includes("_RC4_"); }
  /** A 64-bit block cipher (3DES, DES, IDEA, RC2): SWEET32, CVE-2016-2183. */
  get block64(): bool {
    const n = this.iana;
    return n.includes("_3DES_") || n.includes("_DES_") || n.includes("_DES40_") || n.includes("_IDEA_") || n.includes("_RC2_");
  }
  /** Why the suite is weak, or "" (NULL, export, RC4, DES/3DES, IDEA, anonymous, MD5, CBC with SHA-1). */
  get weakness(): string {
    const n = this.iana;
    if (n.includes("_NULL_") || n.endsWith("_NULL_SHA") || n.endsWith("_NULL_MD5")) return "null";
    if (n.includes("EXPORT")) return "export";
    if (n.includes("_anon_")) return "anonymous";
    if (n.includes("RC4")) return "rc4";
    if (n.includes("3DES")) return "3des";
    if (n.includes("_DES_")) return "des";
    if (n.includes("_IDEA_")) return "idea";
    if (n.endsWith("_MD5")) return "md5";
    if (n.includes("_CBC_") && n.endsWith("_SHA")) return "cbc-sha1";
    return "";
  }
}

export const TLS13_SUITES = new Array<Suite>(0);
/** Suites for SSLv3 .. TLS 1.2, strongest first (the order a ClientHello offers them). */
export const LEGACY_SUITES = new Array<Suite>(0);

function t13(code: u16, name: string, bits: i32): void { TLS13_SUITES.push(new Suite(code, name, name, bits)); }
function s(code: u16, iana: string, openssl: string, bits: i32): void { LEGACY_SUITES.push(new Suite(code, iana, openssl, bits)); }

t13(0x1301, "TLS_AES_128_GCM_SHA256", 128);
t13(0x1302, "TLS_AES_256_GCM_SHA384", 256);
t13(0x1303, "TLS_CHACHA20_POLY1305_SHA256", 256);
t13(0x1304, "TLS_AES_128_CCM_SHA256", 128);
t13(0x1305, "TLS_AES_128_CCM_8_SHA256", 128);

s(0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", 256);
s(0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", 256);
s(0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", 256);
s(0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", 256);
s(0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", 128);
s(0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", 128);
s(0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384", 256);
s(0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305", 256);
s(0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", 128);
s(0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384", 256);
s(0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", 256);
s(0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", 128);
s(0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", 128);
s(0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256", 256);
s(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256", 128);
s(0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", 256);
s(0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", 256);
s(0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", 128);
s(0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", 128);
s(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", 256);
s(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", 128);
s(0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "DHE-DSS-AES256-SHA", 256);
s(0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "DHE-DSS-AES128-SHA", 128);
s(0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE-RSA-CAMELLIA256-SHA", 256);
s(0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", "DHE-RSA-CAMELLIA128-SHA", 128);
s(0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", 256);
s(0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", 128);
s(0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256", 256);
s(0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", 128);
s(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", 256);
s(0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", 128);
s(0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA256-SHA", 256);
s(0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA", 128);
s(0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", "SEED-SHA", 128);
s(0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA", "IDEA-CBC-SHA", 128);
// weak: 3DES, RC4, DES, export, anonymous, NULL
s(0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA", 112);
s(0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA", 112);
s(0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA", 112);
s(0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "DHE-DSS-DES-CBC3-SHA", 112);
s(0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", 112);
s(0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA", 128);
s(0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA", 128);
s(0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA", 128);
s(0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5", 128);
s(0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", "EDH-RSA-DES-CBC-SHA", 56);
s(0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA", 56);
s(0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-EDH-RSA-DES-CBC-SHA", 40);
s(0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-DES-CBC-SHA", 40);
s(0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "EXP-RC2-CBC-MD5", 40);
s(0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5", 40);
s(0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", "AECDH-AES256-SHA", 256);
s(0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "AECDH-AES128-SHA", 128);
s(0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", "ADH-AES256-GCM-SHA384", 256);
s(0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", "ADH-AES128-GCM-SHA256", 128);
s(0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256", "ADH-AES256-SHA256", 256);
s(0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256", "ADH-AES128-SHA256", 128);
s(0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA", "ADH-AES256-SHA", 256);
s(0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", "ADH-AES128-SHA", 128);
s(0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", "AECDH-DES-CBC3-SHA", 112);
s(0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", "ADH-DES-CBC3-SHA", 112);
s(0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA", "AECDH-RC4-SHA", 128);
s(0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", "ADH-RC4-MD5", 128);
s(0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA", "ECDHE-RSA-NULL-SHA", 0);
s(0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", "ECDHE-ECDSA-NULL-SHA", 0);
s(0xc015, "TLS_ECDH_anon_WITH_NULL_SHA", "AECDH-NULL-SHA", 0);
s(0x003b, "TLS_RSA_WITH_NULL_SHA256", "NULL-SHA256", 0);
s(0x0002, "TLS_RSA_WITH_NULL_SHA", "NULL-SHA", 0);
s(0x0001, "TLS_RSA_WITH_NULL_MD5", "NULL-MD5", 0);

/** The suite with code point `code`, or null. */
export function suiteByCode(code: u16): Suite | null {
  for (let i = 0; i < TLS13_SUITES.length; i++) if (TLS13_SUITES[i].code == code) return TLS13_SUITES[i];
  for (let i = 0; i < LEGACY_SUITES.length; i++) if (LEGACY_SUITES[i].code == code) return LEGACY_SUITES[i];
  return null;
}

/** IANA name of a code point, "0xNNNN" when not in the table. */
export function suiteName(code: u16): string {
  const s = suiteByCode(code);
  if (s !== null) return s.iana;
  let h = (<i32>code).toString(16);
  while (h.length < 4) h = "0" + h;
  return "0x" + h;
}
