//! {{name}}: raises a finding when a risky port is open.
use wasmap_sdk::{Finding, Input, Output, Result, Severity, Value};

const RISKY: &[(u16, &str)] = &[(23, "telnet"), (6379, "redis"), (11211, "memcached")];

/// The risky ports among `open` (pure: unit-tested).
pub fn risky(open: &[i64]) -> Vec<(u16, &'static str)> {
    RISKY.iter().copied().filter(|(p, _)| open.contains(&(*p as i64))).collect()
}

fn run(input: Input) -> Result<Output> {
    let open: Vec<i64> = input
        .get("open_ports")
        .and_then(|v| v.as_array())
        // in a scan each item is a map {ip, port, transport, …}; `plugin test --context open_ports=[22,6379]` gives numbers
        .map(|a| a.iter().filter_map(|p| p.as_i64().or_else(|| p.get("port").and_then(Value::as_i64))).collect())
        .unwrap_or_default();
    let found = risky(&open);
    let mut out = Output::success();
    if !found.is_empty() {
        // `summary` is the line `wasmap scan` prints under the host: `{{name}}: <line>`
        out = out.summary(&format!("{} of {} open ports look risky", found.len(), open.len()));
    }
    for (port, name) in found {
        let title = format!("{} reachable on port {}", name, port);
        out = out.finding(Finding::new(&format!("{}-open", name), &title, Severity::Medium).at(port, "tcp"));
    }
    Ok(out)
}

wasmap_sdk::plugin!(run);

#[cfg(test)]
mod tests {
    use super::risky;

    #[test]
    fn only_listed_ports_are_risky() {
        assert_eq!(risky(&[22, 6379]), vec![(6379, "redis")]);
    }
}
