//! The SDK's pure parts, natively: `cargo test` (Debian: RUSTC=/usr/bin/rustc
//! RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo test --offline --config …).
use serde::Deserialize;
use std::collections::BTreeMap;
use wasmap_sdk::{Error, Finding, Input, Output, Service, Severity, Status, Value};

#[test]
fn every_abi_code_maps_to_its_error_and_back() {
    for code in -10..=-1 {
        let e = Error::from_code(code);
        assert_eq!(e.code(), code, "{:?}", e);
        assert!(e.name().starts_with('E'));
    }
    assert_eq!(Error::from_code(-99), Error::Code(-99));
    assert_eq!(Error::from_code(-4).status(), Status::ConnectionRefused);
    assert_eq!(Error::from_code(-3).status(), Status::IoTimeout);
    assert_eq!(Error::Protocol("x".into()).status(), Status::ProtocolError);
    assert_eq!(Error::from_code(-2).to_string(), "denied: capability missing or address out of scope (EDENIED)");
}

#[test]
fn an_sdk_error_survives_a_trip_through_std_io() {
    let io: std::io::Error = Error::ConnReset.into();
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
    assert_eq!(Error::from(io), Error::ConnReset);
    let other = std::io::Error::new(std::io::ErrorKind::TimedOut, "t");
    assert_eq!(Error::from(other), Error::TimedOut);
}

#[test]
fn output_is_a_msgpack_map_with_status_first() {
    let out = Output::success()
        .data(&vec!["a", "b"])
        .service(&Service::new("redis").product("Redis").version("7"))
        .finding(Finding::new("f", "t", Severity::High))
        .provide("k", &1u8)
        .data("replaced");
    let v: Value = rmp_serde::from_slice(&out.to_msgpack()).unwrap();
    let keys: Vec<&str> = v.as_map().unwrap().iter().map(|(k, _)| k.as_str().unwrap()).collect();
    assert_eq!(keys, ["status", "findings", "service", "k", "data"]);
    assert_eq!(v.get("status").and_then(Value::as_str), Some("success"));
    assert_eq!(v.get("data").and_then(Value::as_str), Some("replaced"));
    assert_eq!(v.get("service").and_then(|s| s.get("version")).and_then(Value::as_str), Some("7"));
    assert!(v.get("service").unwrap().get("cpe").is_none(), "empty lists are left out");
    assert_eq!(v.get("findings").and_then(|f| f.as_array()).map(|a| a[0].get("severity").and_then(Value::as_str)), Some(Some("high")));
}

#[test]
fn a_failed_result_carries_the_status_and_text_of_its_error() {
    let v: Value = rmp_serde::from_slice(&Output::failure(&Error::ConnRefused).to_msgpack()).unwrap();
    assert_eq!(v.get("status").and_then(Value::as_str), Some("connection-refused"));
    assert_eq!(v.get("error").and_then(Value::as_str), Some("connection refused (ECONNREFUSED)"));
}

#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(default)]
struct Cfg {
    timeout_ms: u32,
}

#[test]
fn input_splits_target_config_and_context_keys() {
    // as the host writes it: requires keys, then target, then config (docs/abi.md A2)
    let mut m: BTreeMap<&str, Value> = BTreeMap::new();
    m.insert("banner", Value::Bin(b"SSH-2.0-x\r\n".to_vec()));
    m.insert("open_ports", Value::Array(vec![Value::Int(22)]));
    m.insert(
        "target",
        Value::Map(vec![("ip".into(), "127.0.0.1".into()), ("port".into(), Value::Int(22)), ("transport".into(), "tcp".into())]),
    );
    m.insert("config", Value::Map(vec![("timeout_ms".into(), Value::Int(250))]));
    let bytes = rmp_serde::to_vec_named(&m).unwrap();
    let input: Input<Cfg> = rmp_serde::from_slice(&bytes).unwrap();
    assert_eq!(input.target().unwrap().port, 22);
    assert_eq!(input.config, Cfg { timeout_ms: 250 });
    assert_eq!(input.banner(), Some(&b"SSH-2.0-x\r\n"[..]));
    assert_eq!(input.get("open_ports").and_then(|v| v.as_array()).map(|a| a.len()), Some(1));
    assert!(input.get("target").is_none() && input.get("config").is_none());
}

#[test]
fn an_invocation_without_target_says_so() {
    let bytes = rmp_serde::to_vec_named(&BTreeMap::<&str, Value>::new()).unwrap();
    let input: Input = rmp_serde::from_slice(&bytes).unwrap();
    assert_eq!(input.target().unwrap_err().to_string(), "this invocation has no target");
}

#[test]
fn values_keep_bin_and_str_apart() {
    let v = Value::Array(vec![Value::Bin(vec![0, 255]), "s".into(), Value::UInt(u64::MAX), Value::Float(0.5), Value::Nil]);
    let back: Value = rmp_serde::from_slice(&rmp_serde::to_vec(&v).unwrap()).unwrap();
    assert_eq!(back, v);
}

#[test]
fn a_deadline_from_the_time_left_is_ahead_and_a_past_one_leaves_no_wait() {
    // natively the invocation has a day left: the deadline is hours ahead, less at most the margin
    let d = wasmap_sdk::invocation_deadline(1000);
    assert!(d - wasmap_sdk::now_ms() > 3_600_000);
    assert!(wasmap_sdk::host::time_left_ms() > 0);
    assert_eq!(wasmap_sdk::until(wasmap_sdk::now_ms() - 5), std::time::Duration::ZERO);
}
