//! Input and result types of one invocation (ABI §7).
use crate::error::{Error, Result};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a `scanner` or `detection` invocation points.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Target {
    /// IPv4 or IPv6 text.
    pub ip: String,
    pub port: u16,
    #[serde(default)]
    pub transport: Transport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

impl Default for Transport {
    fn default() -> Self {
        Transport::Tcp
    }
}

/// The input map: `target` (scanner/detection), `config` (validated, with
/// defaults filled) and the DataContext keys the manifest `requires`
/// (everything else, in `context`).
///
/// `C` is your config type (`#[derive(Deserialize)]`, field names as in
/// plugin.toml's `[config.*]`); the default keeps it as a [`Value`].
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "C: serde::de::DeserializeOwned + Default")]
pub struct Input<C = Value> {
    #[serde(default)]
    pub target: Option<Target>,
    #[serde(default)]
    pub config: C,
    #[serde(flatten)]
    pub context: BTreeMap<String, Value>,
}

impl<C> Input<C> {
    /// The target, or an error for kinds the host calls without one.
    pub fn target(&self) -> Result<&Target> {
        self.target.as_ref().ok_or_else(|| Error::App("this invocation has no target".into()))
    }

    /// The `banner` context key (`requires = ["banner"]`), as bytes.
    pub fn banner(&self) -> Option<&[u8]> {
        self.context.get("banner").and_then(Value::as_bytes)
    }

    /// Any `requires` key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.context.get(key)
    }
}

/// ABI §7 result statuses (a closed list; the host's STATUSES and the
/// AssemblyScript SDK's STATUS_* are the same, test/status-list.test.ts checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Success,
    ConnectionRefused,
    ConnectionTimeout,
    IoTimeout,
    ProtocolError,
    ApplicationError,
    UnknownError,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::ConnectionRefused => "connection-refused",
            Status::ConnectionTimeout => "connection-timeout",
            Status::IoTimeout => "io-timeout",
            Status::ProtocolError => "protocol-error",
            Status::ApplicationError => "application-error",
            Status::UnknownError => "unknown-error",
        }
    }
}

/// What runs on the port.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Service {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpe: Vec<String>,
    /// 0..1
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrainfo: Option<String>,
    /// Operating system the service revealed (A8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ostype: Option<String>,
    /// How it was identified: `probe_matching`, `table_default`, … (A8, BinaryEdge's `method`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Name of the probe whose reply matched (A8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// The reply that matched, as text (A8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
}

impl Service {
    pub fn new(name: &str) -> Service {
        Service { name: name.into(), ..Service::default() }
    }
    pub fn product(mut self, p: &str) -> Service {
        self.product = Some(p.into());
        self
    }
    pub fn version(mut self, v: &str) -> Service {
        self.version = Some(v.into());
        self
    }
    pub fn cpe(mut self, c: &str) -> Service {
        self.cpe.push(c.into());
        self
    }
    pub fn confidence(mut self, c: f64) -> Service {
        self.confidence = Some(c);
        self
    }
    pub fn extrainfo(mut self, e: &str) -> Service {
        self.extrainfo = Some(e.into());
        self
    }
    pub fn method(mut self, m: &str) -> Service {
        self.method = Some(m.into());
        self
    }
    pub fn banner(mut self, b: &str) -> Service {
        self.banner = Some(b.into());
        self
    }
    pub fn ostype(mut self, o: &str) -> Service {
        self.ostype = Some(o.into());
        self
    }
    pub fn probe(mut self, p: &str) -> Service {
        self.probe = Some(p.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Finding {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cve: Vec<String>,
    /// The port the finding is about (A8): evaluators set it; a scanner's
    /// findings default to the port it ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `"tcp"` or `"udp"`, with `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
}

impl Finding {
    pub fn new(id: &str, title: &str, severity: Severity) -> Finding {
        Finding { id: id.into(), title: title.into(), severity, evidence: None, cve: Vec::new(), port: None, transport: None }
    }
    /// Where the finding is (A8), e.g. `.at(6379, "tcp")`.
    pub fn at(mut self, port: u16, transport: &str) -> Finding {
        self.port = Some(port);
        self.transport = Some(transport.into());
        self
    }
    pub fn evidence(mut self, e: &str) -> Finding {
        self.evidence = Some(e.into());
        self
    }
    pub fn cve(mut self, c: &str) -> Finding {
        self.cve.push(c.into());
        self
    }
}
