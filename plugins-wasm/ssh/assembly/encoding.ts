// Hex and base64 (RFC 4648 §4) text for digests and key blobs.

const HEX = "0123456789abcdef";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX.charAt(b[i] >> 4) + HEX.charAt(b[i] & 15);
  return s;
}

/** Base64 with `=` padding, or without when `pad` is false (ssh-keygen's SHA256: form). */
export function base64(b: Uint8Array, pad: bool = true): string {
  const parts = new Array<string>(0);
  let i = 0;
  for (; i + 3 <= b.length; i += 3) {
    const v = (<u32>b[i] << 16) | (<u32>b[i + 1] << 8) | <u32>b[i + 2];
    parts.push(B64.charAt(v >> 18) + B64.charAt((v >> 12) & 63) + B64.charAt((v >> 6) & 63) + B64.charAt(v & 63));
  }
  const rest = b.length - i;
  if (rest == 1) {
    const v = <u32>b[i] << 16;
    parts.push(B64.charAt(v >> 18) + B64.charAt((v >> 12) & 63) + (pad ? "==" : ""));
  } else if (rest == 2) {
    const v = (<u32>b[i] << 16) | (<u32>b[i + 1] << 8);
    parts.push(B64.charAt(v >> 18) + B64.charAt((v >> 12) & 63) + B64.charAt((v >> 6) & 63) + (pad ? "=" : ""));
  }
  return parts.join("");
}
