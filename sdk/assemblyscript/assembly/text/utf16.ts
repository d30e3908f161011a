// UTF-16LE, as SMB, NTLMSSP and RDP carry names. AssemblyScript strings are
// UTF-16 already, so both directions are a copy; an odd last byte is dropped.

/** Bytes `start`..`end` (clamped to the array, cut to an even length) as a string. */
export function utf16le(b: Uint8Array, start: i32 = 0, end: i32 = i32.MAX_VALUE): string {
  const from = max(0, start);
  const to = min(end, b.length);
  const n = (to - from) & ~1;
  if (n <= 0) return "";
  return String.UTF16.decodeUnsafe(b.dataStart + <usize>from, <usize>n);
}

/** `text` as UTF-16LE bytes (no terminator). */
export function utf16leBytes(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF16.encode(text));
}
