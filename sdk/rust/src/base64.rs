//! Base64, RFC 4648 §4 (standard alphabet, `=` padding): HTTP Basic auth,
//! PEM bodies, protocol fields that carry bytes as text.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `bytes` as padded base64.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() + 2) / 3 * 4);
    for chunk in bytes.chunks(3) {
        let v = (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        out.push(ALPHABET[(v >> 18) as usize & 63] as char);
        out.push(ALPHABET[(v >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { ALPHABET[(v >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { ALPHABET[v as usize & 63] as char } else { '=' });
    }
    out
}

fn sextet(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some((c - b'A') as u32),
        b'a'..=b'z' => Some((c - b'a') as u32 + 26),
        b'0'..=b'9' => Some((c - b'0') as u32 + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes padded or unpadded base64; `None` for any other character,
/// padding anywhere but the end, or a length no encoding can have.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    let body = s.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    let pad = s.len() - body;
    if pad > 2 || (pad > 0 && s.len() % 4 != 0) || body % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in &s[..body] {
        acc = (acc << 6) | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}
