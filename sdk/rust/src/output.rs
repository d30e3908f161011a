//! The result map of ABI §7, built field by field. Values are encoded as
//! they are set, so `data` and `provides` take any `Serialize` type.
use crate::error::Error;
use crate::types::{Finding, Service, Status};
use serde::Serialize;

/// One result: the return value of `run`, or a map handed to [`crate::emit`].
#[derive(Debug, Clone, Default)]
pub struct Output {
    status: Option<Status>,
    findings: Vec<Finding>,
    /// (key, msgpack-encoded value), in insertion order; a key set twice keeps the last value.
    fields: Vec<(String, Vec<u8>)>,
}

fn encode<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
    // Named: structs become maps, as the host expects. Encoding into a Vec
    // fails only for a Serialize impl that errors itself.
    rmp_serde::to_vec_named(v).unwrap_or_else(|e| rmp_serde::to_vec(&format!("<unencodable: {}>", e)).unwrap_or_default())
}

impl Output {
    /// An empty result with the given status.
    pub fn new(status: Status) -> Output {
        Output { status: Some(status), ..Output::default() }
    }

    pub fn success() -> Output {
        Output::new(Status::Success)
    }

    /// A failed result: status from [`Error::status`], `error` its text.
    pub fn failure(e: &Error) -> Output {
        Output::new(e.status()).error(&e.to_string())
    }

    pub fn status(mut self, s: Status) -> Output {
        self.status = Some(s);
        self
    }

    /// `result.data` of the event.
    pub fn data<T: Serialize + ?Sized>(self, data: &T) -> Output {
        self.field("data", data)
    }

    pub fn service(self, s: &Service) -> Output {
        self.field("service", s)
    }

    pub fn finding(mut self, f: Finding) -> Output {
        self.findings.push(f);
        self
    }

    /// One human line the table prints under the port as `plugin: line`
    /// (A8; the host cuts it at 200 characters), like NSE script output.
    pub fn summary(self, line: &str) -> Output {
        self.field("summary", line)
    }

    pub fn error(self, message: &str) -> Output {
        self.field("error", message)
    }

    /// A DataContext key named in the manifest's `provides`.
    pub fn provide<T: Serialize + ?Sized>(self, key: &str, value: &T) -> Output {
        self.field(key, value)
    }

    /// Any other key of the result map.
    pub fn field<T: Serialize + ?Sized>(mut self, key: &str, value: &T) -> Output {
        let bytes = encode(value);
        self.fields.retain(|(k, _)| k != key);
        self.fields.push((key.to_string(), bytes));
        self
    }

    pub fn get_status(&self) -> Option<Status> {
        self.status
    }

    /// The msgpack map the host reads.
    pub fn to_msgpack(&self) -> Vec<u8> {
        let n = self.fields.len() + self.status.is_some() as usize + (!self.findings.is_empty()) as usize;
        let mut out = Vec::with_capacity(64 + self.fields.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>());
        // Writing into a Vec cannot fail.
        let _ = rmp::encode::write_map_len(&mut out, n as u32);
        if let Some(s) = self.status {
            let _ = rmp::encode::write_str(&mut out, "status");
            let _ = rmp::encode::write_str(&mut out, s.as_str());
        }
        if !self.findings.is_empty() {
            let _ = rmp::encode::write_str(&mut out, "findings");
            out.extend_from_slice(&encode(&self.findings));
        }
        for (k, v) in &self.fields {
            let _ = rmp::encode::write_str(&mut out, k);
            out.extend_from_slice(v);
        }
        out
    }
}

/// What `run` may return: an [`Output`], or a `Result` whose error becomes
/// a failed result ([`Output::failure`]).
pub trait IntoOutput {
    fn into_output(self) -> Output;
}

impl IntoOutput for Output {
    fn into_output(self) -> Output {
        self
    }
}

impl<E: Into<Error>> IntoOutput for Result<Output, E> {
    fn into_output(self) -> Output {
        match self {
            Ok(o) => o,
            Err(e) => Output::failure(&e.into()),
        }
    }
}
