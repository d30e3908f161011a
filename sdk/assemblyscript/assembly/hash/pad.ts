// The message padding MD5, SHA-1 and SHA-256 share (RFC 1321 §3.1-3.2,
// FIPS 180-4 §5.1.1): the message, 0x80, zeros, and its length in bits as
// 64 bits, to a multiple of 64 bytes. Only the length's byte order differs.

/** `data` padded to whole 64-byte blocks; the bit length little-endian (MD5) or big-endian (SHA). */
export function padBlocks(data: Uint8Array, bigEndianLength: bool): Uint8Array {
  const n = data.length;
  const total = ((n + 8) / 64 + 1) * 64;
  const m = new Uint8Array(total);
  m.set(data, 0);
  m[n] = 0x80;
  const bits = <u64>n * 8;
  for (let i = 0; i < 8; i++) m[bigEndianLength ? total - 1 - i : total - 8 + i] = <u8>(bits >> (<u64>(8 * i)));
  return m;
}
