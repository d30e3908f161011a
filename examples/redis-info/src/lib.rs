//! redis-info — wasmap `scanner` plugin for Redis (default port 6379).
//!
//! Sends `INFO` (after `AUTH` when a password is configured) and reports
//! every INFO key verbatim in `data`, the service as
//! `{name: redis, product: Redis, version: <redis_version>}`, and a finding
//! saying whether the server answers without authentication. A server that
//! asks for a password (`-NOAUTH`) is still identified: the result is a
//! success with `data.auth_required = true` and an `info` finding.
mod info;
mod resp;

use resp::{command, parse, Parse, Reply};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use wasmap_sdk::net::TcpStream;
use wasmap_sdk::{debug, invocation_deadline, until, Error, Finding, Input, Output, Result, Service, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Config {
    timeout_ms: u32,
    password: String,
    max_reply_bytes: usize,
}

/// `data` of the result.
#[derive(Serialize)]
struct Data {
    auth_required: bool,
    /// The server's answer when it refused INFO (e.g. `NOAUTH …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Every `key:value` of the INFO reply.
    #[serde(flatten)]
    info: BTreeMap<String, String>,
}

/// Reads one whole reply; each read waits at most `timeout`, and never past the
/// invocation's wall time (less a margin to return the result).
fn read_reply(conn: &mut TcpStream, max: usize, timeout: Duration) -> Result<Reply> {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        match parse(&buf, max) {
            Parse::Done(r, _) => return Ok(r),
            Parse::Bad(why) => return Err(Error::Protocol(why)),
            Parse::More => {}
        }
        conn.set_read_timeout(Some(timeout.min(until(invocation_deadline(1000)))));
        let n = conn.recv(&mut chunk)?;
        if n == 0 {
            return Err(Error::Protocol(format!("connection closed after {} bytes", buf.len())));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn service(version: Option<&str>) -> Service {
    let s = Service::new("redis").product("Redis").confidence(1.0);
    match version {
        Some(v) => s.version(v).cpe(&format!("cpe:/a:redis:redis:{}", v)),
        None => s,
    }
}

fn run(input: Input<Config>) -> Result<Output> {
    let target = input.target()?;
    let cfg = &input.config;
    let timeout = Duration::from_millis(cfg.timeout_ms as u64);
    let mut conn = TcpStream::connect_target(target, Some(timeout.min(until(invocation_deadline(1000)))))?;

    if !cfg.password.is_empty() {
        conn.send_all(&command(&["AUTH", &cfg.password]))?;
        if let Reply::Error(e) = read_reply(&mut conn, 1024, timeout)? {
            debug!("AUTH refused: {}", e);
            return Ok(refused(e));
        }
    }
    conn.send_all(&command(&["INFO"]))?;
    match read_reply(&mut conn, cfg.max_reply_bytes, timeout)? {
        Reply::Bulk(bytes) => {
            let info = info::parse_info(&String::from_utf8_lossy(&bytes));
            let version = info.get("redis_version").cloned();
            if version.is_none() {
                return Err(Error::Protocol("INFO reply has no redis_version".into()));
            }
            let field = |k: &str| info.get(k).map(String::as_str).unwrap_or("?");
            // the line people read in the table: what runs there and how busy it is
            let summary = format!(
                "Redis {} {} {}, {} clients connected, {} used{}",
                field("redis_version"),
                field("redis_mode"),
                field("role"),
                field("connected_clients"),
                field("used_memory_human"),
                if cfg.password.is_empty() { ", no password asked" } else { "" }
            );
            let mut out = Output::success().service(&service(version.as_deref())).summary(&summary);
            if cfg.password.is_empty() {
                out = out.finding(
                    Finding::new("redis-no-auth", "Redis answers commands without authentication", Severity::High)
                        .evidence("INFO succeeded without AUTH"),
                );
            }
            Ok(out.data(&Data { auth_required: !cfg.password.is_empty(), error: None, info }))
        }
        Reply::Error(e) => Ok(refused(e)),
        other => Err(Error::Protocol(format!("unexpected reply to INFO: {:?}", other))),
    }
}

/// The server is Redis but would not run INFO (NOAUTH, WRONGPASS, a renamed command).
fn refused(err: String) -> Output {
    let auth = err.starts_with("NOAUTH") || err.starts_with("WRONGPASS") || err.contains("AUTH");
    let mut out = Output::success().service(&service(None)).summary(if auth { "Redis asks for a password" } else { "Redis refused INFO" });
    if auth {
        out = out.finding(Finding::new("redis-auth-required", "Redis requires a password", Severity::Info).evidence(&err));
    }
    out.data(&Data { auth_required: auth, error: Some(err), info: BTreeMap::new() })
}

wasmap_sdk::plugin!(run);
