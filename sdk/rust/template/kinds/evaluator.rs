//! {{name}}: raises a finding when a risky port is open.
use wasmap_sdk::{Finding, Input, Output, Result, Severity};

const RISKY: &[(u16, &str)] = &[(23, "telnet"), (6379, "redis"), (11211, "memcached")];

/// The risky ports among `open` (pure: unit-tested).
pub fn risky(open: &[i64]) -> Vec<(u16, &'static str)> {
    RISKY.iter().copied().filter(|(p, _)| open.contains(&(*p as i64))).collect()
}

fn run(input: Input) -> Result<Output> {
    let open: Vec<i64> = input
        .get("open_ports")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|p| p.as_i64()).collect())
        .unwrap_or_default();
    let mut out = Output::success();
    for (port, name) in risky(&open) {
        out = out.finding(Finding::new(&format!("{}-open", name), &format!("{} reachable on port {}", name, port), Severity::Medium));
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
