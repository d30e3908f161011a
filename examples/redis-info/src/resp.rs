//! The few RESP2 replies the probe reads (https://redis.io/docs/reference/protocol-spec/):
//! `+simple`, `-error`, `$len` bulk strings. Hostile-input caps: a line
//! is at most MAX_LINE bytes and a bulk string at most the caller's cap.

/// Longest `+`/`-`/`$` header line accepted.
pub const MAX_LINE: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Bulk(Vec<u8>),
    /// `$-1`
    Nil,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parse {
    /// A whole reply and the bytes it used.
    Done(Reply, usize),
    /// Need more bytes.
    More,
    /// Not RESP, or over a cap.
    Bad(String),
}

fn line(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n")
}

/// Parses one reply from the start of `buf`.
pub fn parse(buf: &[u8], max_bulk: usize) -> Parse {
    if buf.is_empty() {
        return Parse::More;
    }
    let end = match line(buf) {
        Some(e) => e,
        None if buf.len() > MAX_LINE => return Parse::Bad(format!("no line end in the first {} bytes", MAX_LINE)),
        None => return Parse::More,
    };
    let text = String::from_utf8_lossy(&buf[1..end]).into_owned();
    match buf[0] {
        b'+' => Parse::Done(Reply::Simple(text), end + 2),
        b'-' => Parse::Done(Reply::Error(text), end + 2),
        b'$' => {
            let n: i64 = match text.parse() {
                Ok(n) => n,
                Err(_) => return Parse::Bad(format!("bad bulk length {:?}", text)),
            };
            if n == -1 {
                return Parse::Done(Reply::Nil, end + 2);
            }
            if n < 0 {
                return Parse::Bad(format!("negative bulk length {}", n));
            }
            let n = n as usize;
            if n > max_bulk {
                return Parse::Bad(format!("bulk reply of {} bytes is over the {}-byte cap", n, max_bulk));
            }
            let start = end + 2;
            if buf.len() < start + n + 2 {
                return Parse::More;
            }
            Parse::Done(Reply::Bulk(buf[start..start + n].to_vec()), start + n + 2)
        }
        b => Parse::Bad(format!("not a RESP reply (first byte 0x{:02x})", b)),
    }
}

/// A command as a RESP array of bulk strings.
pub fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_reply_needs_all_its_bytes() {
        assert_eq!(parse(b"$5\r\nhel", 100), Parse::More);
        assert_eq!(parse(b"$5\r\nhello\r\n", 100), Parse::Done(Reply::Bulk(b"hello".to_vec()), 11));
        assert_eq!(parse(b"$-1\r\n", 100), Parse::Done(Reply::Nil, 5));
    }

    #[test]
    fn errors_and_simple_strings_are_one_line() {
        assert_eq!(parse(b"-NOAUTH Authentication required.\r\n", 10), Parse::Done(Reply::Error("NOAUTH Authentication required.".into()), 34));
        assert_eq!(parse(b"+OK\r\n", 10), Parse::Done(Reply::Simple("OK".into()), 5));
    }

    #[test]
    fn hostile_lengths_and_non_resp_are_refused() {
        assert!(matches!(parse(b"$-5\r\n", 100), Parse::Bad(_)));
        assert!(matches!(parse(b"$999999\r\n", 100), Parse::Bad(_)));
        assert!(matches!(parse(b"$abc\r\n", 100), Parse::Bad(_)));
        assert!(matches!(parse(b"HTTP/1.1 400\r\n", 100), Parse::Bad(_)));
        assert!(matches!(parse(&[b'+'; MAX_LINE + 1], 100), Parse::Bad(_)));
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        assert_eq!(command(&["AUTH", "pw"]), b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n".to_vec());
    }
}
