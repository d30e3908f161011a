//! {{name}}: one line of text per event; the bytes go in `data`.
use wasmap_sdk::{Input, Output, Result, Value};

/// One line for one event (pure: unit-tested).
pub fn line(event: &Value) -> String {
    let ip = event.get("ip").and_then(Value::as_str).unwrap_or("?");
    let port = event.get("port").and_then(Value::as_i64).unwrap_or(0);
    format!("{}:{}\n", ip, port)
}

fn run(input: Input) -> Result<Output> {
    let events = input.get("events").and_then(Value::as_array).unwrap_or_default();
    let text: String = events.iter().map(line).collect();
    Ok(Output::success().data(&wasmap_sdk::serde_bytes::Bytes::new(text.as_bytes())))
}

wasmap_sdk::plugin!(run);

#[cfg(test)]
mod tests {
    use super::line;
    use wasmap_sdk::Value;

    #[test]
    fn an_event_becomes_ip_and_port() {
        let e = Value::Map(vec![("ip".into(), "127.0.0.1".into()), ("port".into(), Value::Int(80))]);
        assert_eq!(line(&e), "127.0.0.1:80\n");
    }
}
