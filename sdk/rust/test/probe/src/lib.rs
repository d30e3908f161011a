//! One `op` per wasmap-sdk wrapper, each reporting what the SDK returned.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;
use wasmap_sdk::net::{resolve, TcpStream, UdpSocket};
use wasmap_sdk::{debug, emit, error, info, invocation_deadline, now_ms, sleep_ms, time_left_ms, until, warn, Error, Finding, Input, Output, Result, Service, Severity, Status};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Config {
    op: String,
    host: String,
    port: u16,
    payload: String,
}

/// How an SDK error looks from the plugin's side.
#[derive(Serialize)]
struct ErrorView {
    code: i32,
    name: &'static str,
    status: &'static str,
    message: String,
}

fn view(e: &Error) -> ErrorView {
    ErrorView { code: e.code(), name: e.name(), status: e.status().as_str(), message: e.to_string() }
}

fn run(input: Input<Config>) -> Result<Output> {
    let t = input.target()?.clone();
    let c = &input.config;
    match c.op.as_str() {
        // send + recv through the SDK's own calls
        "tcp" => {
            let mut s = TcpStream::connect_target(&t, Some(Duration::from_secs(2)))?;
            s.send_all(c.payload.as_bytes())?;
            s.set_read_timeout(Some(Duration::from_secs(2)));
            let reply = s.recv_some(4096)?;
            s.close()?;
            Ok(Output::success().data(&String::from_utf8_lossy(&reply)))
        }
        // std::io::Read / Write on the same stream
        "io" => {
            let mut s = TcpStream::connect_target(&t, None)?;
            s.write_all(c.payload.as_bytes()).map_err(Error::from)?;
            s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 256];
            let n = s.read(&mut buf).map_err(Error::from)?;
            Ok(Output::success().data(&String::from_utf8_lossy(&buf[..n])))
        }
        // a connection the test expects to fail: report the mapped error
        "connect" => match TcpStream::connect(&c.host, c.port, Some(Duration::from_secs(2))) {
            Ok(_) => Ok(Output::success().data("connected")),
            Err(e) => Ok(Output::success().data(&view(&e))),
        },
        "tls" => {
            let mut s = TcpStream::connect_target(&t, None)?;
            s.upgrade_tls(Some("localhost"), None)?;
            let info = s.tls_info()?;
            s.send_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
            let head = s.recv_some(64)?;
            let mut m = BTreeMap::new();
            m.insert("version", info.version.unwrap_or_default());
            m.insert("cipher", info.cipher.unwrap_or_default());
            m.insert("chain", info.chain.len().to_string());
            m.insert("leaf_bytes", info.chain.first().map_or(0, |c| c.len()).to_string());
            m.insert("reply", String::from_utf8_lossy(&head).into_owned());
            Ok(Output::success().data(&m))
        }
        "udp" => {
            let mut u = UdpSocket::open_target(&t)?;
            u.send(c.payload.as_bytes())?;
            let mut buf = [0u8; 512];
            let n = u.recv(&mut buf, Some(Duration::from_secs(2)))?;
            Ok(Output::success().data(&String::from_utf8_lossy(&buf[..n])))
        }
        "resolve" => Ok(Output::success().data(&resolve(&c.host)?)),
        "emit" => {
            emit(&Output::success().data("first").service(&Service::new("probe").product("Probe").version("1.0")))?;
            emit(&Output::success().data("second").finding(Finding::new("probe-1", "a finding", Severity::Low).evidence("x")))?;
            Ok(Output::success().data("returned").provide("probe_key", &vec![1, 2, 3]))
        }
        "log" => {
            debug!("debug {}", 0);
            info!("info {}", 1);
            warn!("warn {}", 2);
            error!("error {}", 3);
            Ok(Output::success())
        }
        "sleep" => {
            let before = now_ms();
            sleep_ms(c.port as u32)?;
            Ok(Output::success().data(&[before, now_ms()]))
        }
        // the wall time left, a deadline with a 1 s margin as ms from now, and a past deadline's wait
        "time" => {
            let left = time_left_ms();
            let deadline_in = invocation_deadline(1000) - now_ms();
            Ok(Output::success().data(&[left, deadline_in, until(now_ms() - 5).as_millis() as i64]))
        }
        "panic" => {
            let v: Vec<u8> = Vec::new();
            panic!("probe panicked on purpose, len {}", v.len());
        }
        // an SDK error returned from run becomes the result's status and error
        "fail" => Err(Error::Protocol(format!("bad greeting {:?}", c.payload))),
        other => Ok(Output::new(Status::ApplicationError).error(&format!("unknown op {}", other))),
    }
}

/// Once per instance, with the validated config: `bad-init` refuses the instance.
fn init(c: Config) -> core::result::Result<(), String> {
    if c.op == "bad-init" {
        Err(format!("probe refuses op {}", c.op))
    } else {
        Ok(())
    }
}

wasmap_sdk::plugin!(run, init = init);
