//! {{name}}: names the service from the banner wasmap grabbed.
use wasmap_sdk::{Input, Output, Result, Service, Status};

/// (name, product) for a banner (pure: unit-tested).
pub fn identify(banner: &[u8]) -> Option<(&'static str, &'static str)> {
    if banner.starts_with(b"SSH-") {
        Some(("ssh", "SSH server"))
    } else if banner.starts_with(b"220 ") || banner.starts_with(b"220-") {
        Some(("ftp-or-smtp", "FTP/SMTP server"))
    } else {
        None
    }
}

fn run(input: Input) -> Result<Output> {
    let banner = input.banner().unwrap_or_default();
    Ok(match identify(banner) {
        // `summary` is the line `wasmap scan` prints under the port: `{{name}}: <line>`
        Some((name, product)) => Output::success()
            .service(&Service::new(name).product(product).confidence(0.5))
            .summary(&format!("{} (from its banner)", product)),
        None => Output::new(Status::Success),
    })
}

wasmap_sdk::plugin!(run);

#[cfg(test)]
mod tests {
    use super::identify;

    #[test]
    fn an_ssh_banner_is_named_ssh() {
        assert_eq!(identify(b"SSH-2.0-OpenSSH_9.2\r\n").map(|x| x.0), Some("ssh"));
        assert_eq!(identify(b"hello"), None);
    }
}
