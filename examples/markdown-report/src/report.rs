//! Events → Markdown. Pure, so it is unit-tested natively. Events are
//! `{origin: {type, module, ts, ip, port}, target: {ip, port, protocol},
//! result: {data, status?, error?, service?, findings?}}`.
use std::collections::BTreeMap;
use std::fmt::Write;
use wasmap_sdk::Value;

fn s<'a>(v: Option<&'a Value>) -> &'a str {
    v.and_then(Value::as_str).unwrap_or("")
}

/// Text safe inside a Markdown table cell: one line, no `|`, bounded.
pub fn cell(text: &str) -> String {
    let one: String = text.chars().map(|c| if c == '\n' || c == '\r' || c == '|' { ' ' } else { c }).take(120).collect();
    one.trim().to_string()
}

/// One line saying what an event found.
pub fn summary(ev: &Value) -> String {
    let result = ev.get("result");
    let data = result.and_then(|r| r.get("data"));
    if let Some(state) = data.and_then(|d| d.get("state")) {
        return format!("{} ({})", s(state.get("state")), s(state.get("reason")));
    }
    if let Some(e) = result.and_then(|r| r.get("error")).and_then(Value::as_str) {
        return format!("error: {}", e);
    }
    if let Some(svc) = result.and_then(|r| r.get("service")) {
        let parts: Vec<&str> = ["name", "product", "version"].iter().map(|k| s(svc.get(k))).filter(|x| !x.is_empty()).collect();
        return parts.join(" ");
    }
    match data.and_then(Value::as_map) {
        Some(m) => {
            let keys: Vec<&str> = m.iter().filter_map(|(k, _)| k.as_str()).take(6).collect();
            format!("{} field(s): {}", m.len(), keys.join(", "))
        }
        None => String::new(),
    }
}

struct Row {
    port: i64,
    proto: String,
    source: String,
    status: String,
    summary: String,
}

pub fn render(title: &str, events: &[Value]) -> String {
    let mut hosts: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    let mut findings: Vec<(String, String, String, String)> = Vec::new();
    for ev in events {
        let target = ev.get("target");
        let origin = ev.get("origin");
        let ip = s(target.and_then(|t| t.get("ip")).or_else(|| origin.and_then(|o| o.get("ip")))).to_string();
        let port = target.and_then(|t| t.get("port")).and_then(Value::as_i64).unwrap_or(0);
        let source = s(origin.and_then(|o| o.get("type"))).to_string();
        let result = ev.get("result");
        hosts.entry(ip.clone()).or_default().push(Row {
            port,
            proto: s(target.and_then(|t| t.get("protocol"))).to_string(),
            status: s(result.and_then(|r| r.get("status"))).to_string(),
            summary: summary(ev),
            source: source.clone(),
        });
        for f in result.and_then(|r| r.get("findings")).and_then(Value::as_array).unwrap_or_default() {
            findings.push((
                s(f.get("severity")).to_string(),
                format!("{}:{}", ip, port),
                format!("{} — {}", s(f.get("id")), s(f.get("title"))),
                source.clone(),
            ));
        }
    }
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", cell(title));
    let _ = writeln!(md, "{} event(s), {} host(s), {} finding(s).\n", events.len(), hosts.len(), findings.len());
    for (ip, mut rows) in hosts {
        rows.sort_by(|a, b| (a.port, &a.source).cmp(&(b.port, &b.source)));
        let _ = writeln!(md, "## {}\n", if ip.is_empty() { "(no address)".to_string() } else { cell(&ip) });
        let _ = writeln!(md, "| port | proto | source | status | summary |\n|---:|---|---|---|---|");
        for r in rows {
            let _ = writeln!(md, "| {} | {} | {} | {} | {} |", r.port, cell(&r.proto), cell(&r.source), cell(&r.status), cell(&r.summary));
        }
        md.push('\n');
    }
    if !findings.is_empty() {
        let rank = |sev: &str| ["critical", "high", "medium", "low", "info"].iter().position(|x| *x == sev).unwrap_or(5);
        findings.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then(a.1.cmp(&b.1)));
        let _ = writeln!(md, "## Findings\n\n| severity | where | finding | source |\n|---|---|---|---|");
        for (sev, at, what, src) in findings {
            let _ = writeln!(md, "| {} | {} | {} | {} |", cell(&sev), cell(&at), cell(&what), cell(&src));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(kv: Vec<(&str, Value)>) -> Value {
        Value::Map(kv.into_iter().map(|(k, v)| (Value::from(k), v)).collect())
    }

    #[test]
    fn a_table_cell_stays_on_one_line_without_pipes() {
        assert_eq!(cell("a|b\nc"), "a b c");
    }

    #[test]
    fn events_are_grouped_by_host_with_findings_last() {
        let ev = map(vec![
            ("origin", map(vec![("type", "redis-info".into())])),
            ("target", map(vec![("ip", "127.0.0.1".into()), ("port", Value::Int(6379)), ("protocol", "tcp".into())])),
            (
                "result",
                map(vec![
                    ("status", "success".into()),
                    ("service", map(vec![("name", "redis".into()), ("product", "Redis".into()), ("version", "7.0.15".into())])),
                    ("findings", Value::Array(vec![map(vec![("id", "x".into()), ("title", "T".into()), ("severity", "high".into())])])),
                ]),
            ),
        ]);
        let md = render("R", &[ev]);
        assert!(md.contains("## 127.0.0.1"));
        assert!(md.contains("| 6379 | tcp | redis-info | success | redis Redis 7.0.15 |"));
        assert!(md.contains("| high | 127.0.0.1:6379 | x — T | redis-info |"));
    }
}
