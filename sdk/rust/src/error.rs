//! ABI §8 error codes as one enum, and how each becomes a result status.
use crate::types::Status;
use std::fmt;

/// An error from a host call (ABI §8 codes -1..-10), or one the plugin
/// raises itself ([`Error::Protocol`], [`Error::App`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// -1: bad argument, bad handle type, bad pointer/length.
    Inval,
    /// -2: capability missing or address out of scope.
    Denied,
    /// -3 from `tcp_connect`: the connection was not accepted in time.
    ConnectTimeout,
    /// -3 from any other call.
    TimedOut,
    /// -4
    ConnRefused,
    /// -5
    ConnReset,
    /// -6: unknown or closed handle.
    BadHandle,
    /// -7: a resource limit was reached (connections, bytes, time).
    Limit,
    /// -8: host unreachable, no route, or the name did not resolve.
    Unreachable,
    /// -9: TLS handshake failed.
    Tls,
    /// -10: any other I/O error.
    Io,
    /// A negative code this SDK does not know (a newer host).
    Code(i32),
    /// The peer spoke, but not the expected protocol.
    Protocol(String),
    /// Anything else the plugin wants to fail with.
    App(String),
}

pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// The error for a negative host return code.
    pub fn from_code(code: i32) -> Error {
        match code {
            -1 => Error::Inval,
            -2 => Error::Denied,
            -3 => Error::TimedOut,
            -4 => Error::ConnRefused,
            -5 => Error::ConnReset,
            -6 => Error::BadHandle,
            -7 => Error::Limit,
            -8 => Error::Unreachable,
            -9 => Error::Tls,
            -10 => Error::Io,
            c => Error::Code(c),
        }
    }

    /// The ABI code (0 for plugin-raised errors).
    pub fn code(&self) -> i32 {
        match self {
            Error::Inval => -1,
            Error::Denied => -2,
            Error::ConnectTimeout | Error::TimedOut => -3,
            Error::ConnRefused => -4,
            Error::ConnReset => -5,
            Error::BadHandle => -6,
            Error::Limit => -7,
            Error::Unreachable => -8,
            Error::Tls => -9,
            Error::Io => -10,
            Error::Code(c) => *c,
            Error::Protocol(_) | Error::App(_) => 0,
        }
    }

    /// The ABI name (`EDENIED`, …), or `""` for plugin-raised errors.
    pub fn name(&self) -> &'static str {
        match self.code() {
            -1 => "EINVAL",
            -2 => "EDENIED",
            -3 => "ETIMEDOUT",
            -4 => "ECONNREFUSED",
            -5 => "ECONNRESET",
            -6 => "EBADF",
            -7 => "ELIMIT",
            -8 => "EUNREACH",
            -9 => "ETLS",
            -10 => "EIO",
            _ => "",
        }
    }

    /// The result status (ABI §7) a plugin reports when it fails with this.
    pub fn status(&self) -> Status {
        match self {
            Error::ConnRefused => Status::ConnectionRefused,
            Error::ConnectTimeout | Error::Unreachable => Status::ConnectionTimeout,
            Error::TimedOut => Status::IoTimeout,
            Error::Protocol(_) | Error::Tls => Status::ProtocolError,
            Error::App(_) | Error::Denied | Error::Limit | Error::Inval | Error::BadHandle => Status::ApplicationError,
            Error::ConnReset | Error::Io | Error::Code(_) => Status::UnknownError,
        }
    }

    pub(crate) fn on_connect(self) -> Error {
        if self == Error::TimedOut {
            Error::ConnectTimeout
        } else {
            self
        }
    }
}

/// `Ok(n)` for a non-negative host return, the mapped error otherwise.
pub(crate) fn check(rc: i32) -> Result<i32> {
    if rc < 0 {
        Err(Error::from_code(rc))
    } else {
        Ok(rc)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::Inval => "invalid argument",
            Error::Denied => "denied: capability missing or address out of scope",
            Error::ConnectTimeout => "connection timed out",
            Error::TimedOut => "timed out",
            Error::ConnRefused => "connection refused",
            Error::ConnReset => "connection reset",
            Error::BadHandle => "unknown or closed handle",
            Error::Limit => "resource limit reached",
            Error::Unreachable => "host unreachable",
            Error::Tls => "TLS handshake failed",
            Error::Io => "I/O error",
            Error::Code(c) => return write!(f, "host error {}", c),
            Error::Protocol(m) => return write!(f, "protocol error: {}", m),
            Error::App(m) => return f.write_str(m),
        };
        write!(f, "{} ({})", text, self.name())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    /// Gets the SDK error back out of an `io::Error` made by this crate's
    /// `Read`/`Write` impls; any other io error becomes [`Error::Io`].
    fn from(e: std::io::Error) -> Error {
        use std::io::ErrorKind as K;
        if e.get_ref().map_or(false, |inner| inner.is::<Error>()) {
            return *e.into_inner().unwrap().downcast::<Error>().unwrap();
        }
        match e.kind() {
            K::TimedOut | K::WouldBlock => Error::TimedOut,
            K::ConnectionRefused => Error::ConnRefused,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => Error::ConnReset,
            K::UnexpectedEof => Error::Protocol("unexpected end of stream".into()),
            K::InvalidData => Error::Protocol(e.to_string()),
            _ => Error::Io,
        }
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        use std::io::ErrorKind as K;
        let kind = match e {
            Error::TimedOut | Error::ConnectTimeout => K::TimedOut,
            Error::ConnRefused => K::ConnectionRefused,
            Error::ConnReset => K::ConnectionReset,
            Error::Denied => K::PermissionDenied,
            Error::Inval => K::InvalidInput,
            Error::BadHandle => K::NotConnected,
            _ => K::Other,
        };
        std::io::Error::new(kind, e)
    }
}

impl From<rmp_serde::decode::Error> for Error {
    fn from(e: rmp_serde::decode::Error) -> Error {
        Error::Protocol(format!("bad msgpack: {}", e))
    }
}

impl From<std::str::Utf8Error> for Error {
    fn from(e: std::str::Utf8Error) -> Error {
        Error::Protocol(e.to_string())
    }
}
