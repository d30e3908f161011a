//! {{name}}: connects to the target, optionally sends a probe, and reports
//! the first line the service sends back.
use serde::Deserialize;
use std::time::Duration;
use wasmap_sdk::net::TcpStream;
use wasmap_sdk::{info, Input, Output, Result, Service};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Config {
    timeout_ms: u32,
    probe: String,
}

/// The first line of a greeting, without its line ending (pure: unit-tested).
pub fn first_line(greeting: &[u8]) -> String {
    let end = greeting.iter().position(|&b| b == b'\n').unwrap_or(greeting.len());
    String::from_utf8_lossy(&greeting[..end]).trim_end_matches('\r').to_string()
}

fn run(input: Input<Config>) -> Result<Output> {
    let target = input.target()?;
    let timeout = Some(Duration::from_millis(input.config.timeout_ms as u64));
    let mut conn = TcpStream::connect_target(target, timeout)?;
    conn.set_read_timeout(timeout);
    if !input.config.probe.is_empty() {
        conn.send_all(input.config.probe.as_bytes())?;
    }
    let greeting = conn.recv_some(4096)?;
    let line = first_line(&greeting);
    info!("{}:{} said {:?}", target.ip, target.port, line);
    // `summary` is the line `wasmap scan` prints under the port: `{{name}}: <line>`
    Ok(Output::success().data(&line).summary(&line).service(&Service::new("unknown").confidence(0.1)))
}

wasmap_sdk::plugin!(run);

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn first_line_stops_at_the_line_ending() {
        assert_eq!(first_line(b"SSH-2.0-OpenSSH_9.2\r\nrest"), "SSH-2.0-OpenSSH_9.2");
        assert_eq!(first_line(b"no newline"), "no newline");
    }
}
