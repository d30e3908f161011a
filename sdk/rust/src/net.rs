//! Networking through the host (ABI §4): TCP with `std::io::Read`/`Write`,
//! TLS on a TCP stream, UDP datagrams, name resolution. Needs the
//! `network` capability (`dns` for [`resolve`]); every address is checked
//! against the scan's scope by the host, a denied one gives [`Error::Denied`].
use crate::error::{check, Error, Result};
use crate::sys;
use crate::types::Target;
use serde::Deserialize;
use std::io;
use std::time::Duration;

/// `None` = the host's default (5 s); always clamped to the wall time left.
fn ms(t: Option<Duration>) -> i32 {
    match t {
        None => 0,
        Some(d) => d.as_millis().clamp(1, i32::MAX as u128) as i32,
    }
}

/// A TCP connection. Reads wait at most the read timeout; dropping closes it.
#[derive(Debug)]
pub struct TcpStream {
    h: i32,
    read_timeout: Option<Duration>,
}

impl TcpStream {
    /// Connects to `host` (an IP literal, or a name the host resolves).
    pub fn connect(host: &str, port: u16, timeout: Option<Duration>) -> Result<TcpStream> {
        let rc = unsafe { sys::tcp_connect(host.as_ptr(), host.len() as i32, port as i32, ms(timeout)) };
        let h = check(rc).map_err(Error::on_connect)?;
        Ok(TcpStream { h, read_timeout: None })
    }

    /// Connects to the invocation's target.
    pub fn connect_target(t: &Target, timeout: Option<Duration>) -> Result<TcpStream> {
        TcpStream::connect(&t.ip, t.port, timeout)
    }

    /// The host handle (for logging).
    pub fn handle(&self) -> i32 {
        self.h
    }

    pub fn set_read_timeout(&mut self, t: Option<Duration>) {
        self.read_timeout = t;
    }

    /// Sends what the host accepts now; see [`io::Write::write_all`] for all.
    pub fn send(&mut self, buf: &[u8]) -> Result<usize> {
        check(unsafe { sys::send(self.h, buf.as_ptr(), buf.len() as i32) }).map(|n| n as usize)
    }

    /// Sends every byte of `buf`.
    pub fn send_all(&mut self, mut buf: &[u8]) -> Result<()> {
        while !buf.is_empty() {
            let n = self.send(buf)?;
            if n == 0 {
                return Err(Error::ConnReset);
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Reads into `buf`; `Ok(0)` means the peer closed.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize> {
        let rc = unsafe { sys::recv(self.h, buf.as_mut_ptr(), buf.len() as i32, ms(self.read_timeout)) };
        check(rc).map(|n| n as usize)
    }

    /// Reads whatever arrives next, at most `max` bytes.
    pub fn recv_some(&mut self, max: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; max];
        let n = self.recv(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Upgrades to TLS in place (direct TLS or after STARTTLS). The host does
    /// not verify certificates: a scanner must see them all.
    pub fn upgrade_tls(&mut self, sni: Option<&str>, timeout: Option<Duration>) -> Result<()> {
        let (p, l) = sni.map_or((std::ptr::null(), 0), |s| (s.as_ptr(), s.len() as i32));
        check(unsafe { sys::tls_upgrade(self.h, p, l, ms(timeout)) }).map(|_| ())
    }

    /// The negotiated TLS session of an upgraded stream.
    pub fn tls_info(&self) -> Result<TlsInfo> {
        let bytes = read_growing(1024, |p, cap| unsafe { sys::tls_info(self.h, p, cap) })?;
        Ok(rmp_serde::from_slice(&bytes)?)
    }

    /// Closes now (dropping does the same, ignoring errors).
    pub fn close(mut self) -> Result<()> {
        let h = std::mem::replace(&mut self.h, -1);
        check(unsafe { sys::close(h) }).map(|_| ())
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        if self.h >= 0 {
            unsafe { sys::close(self.h) };
        }
    }
}

impl io::Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.recv(buf)?)
    }
}

impl io::Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(self.send(buf)?)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `tls_info`'s map (ABI §4).
#[derive(Debug, Clone, Deserialize)]
pub struct TlsInfo {
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub cipher: Option<String>,
    #[serde(default)]
    pub alpn: Option<String>,
    /// DER certificates, leaf first.
    #[serde(default)]
    pub chain: Vec<serde_bytes::ByteBuf>,
}

/// A UDP socket bound to one peer: `send` and `recv` are whole datagrams.
#[derive(Debug)]
pub struct UdpSocket {
    h: i32,
}

impl UdpSocket {
    pub fn open(host: &str, port: u16) -> Result<UdpSocket> {
        let h = check(unsafe { sys::udp_open(host.as_ptr(), host.len() as i32, port as i32) })?;
        Ok(UdpSocket { h })
    }

    pub fn open_target(t: &Target) -> Result<UdpSocket> {
        UdpSocket::open(&t.ip, t.port)
    }

    pub fn send(&mut self, datagram: &[u8]) -> Result<usize> {
        check(unsafe { sys::send(self.h, datagram.as_ptr(), datagram.len() as i32) }).map(|n| n as usize)
    }

    /// One datagram, truncated to `buf`; [`Error::TimedOut`] when none arrives.
    pub fn recv(&mut self, buf: &mut [u8], timeout: Option<Duration>) -> Result<usize> {
        check(unsafe { sys::recv(self.h, buf.as_mut_ptr(), buf.len() as i32, ms(timeout)) }).map(|n| n as usize)
    }

    pub fn close(mut self) -> Result<()> {
        let h = std::mem::replace(&mut self.h, -1);
        check(unsafe { sys::close(h) }).map(|_| ())
    }
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        if self.h >= 0 {
            unsafe { sys::close(self.h) };
        }
    }
}

/// The addresses of `name` (needs the `dns` capability).
pub fn resolve(name: &str) -> Result<Vec<String>> {
    let bytes = read_growing(256, |p, cap| unsafe { sys::resolve(name.as_ptr(), name.len() as i32, p, cap) })?;
    Ok(rmp_serde::from_slice(&bytes)?)
}

/// Calls a host function that returns its full length and copies what
/// fits, growing the buffer once if needed.
fn read_growing(first: usize, mut call: impl FnMut(*mut u8, i32) -> i32) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; first];
    loop {
        let n = check(call(buf.as_mut_ptr(), buf.len() as i32))? as usize;
        if n <= buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        buf = vec![0u8; n];
    }
}
