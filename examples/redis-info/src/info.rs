//! The INFO reply: `# Section` headers and `key:value` lines. Keys are kept
//! verbatim (BinaryEdge's redis fields are the INFO keys), values as text.
use std::collections::BTreeMap;

/// Most keys kept from one reply (INFO has ~150; keyspace adds one per db).
pub const MAX_KEYS: usize = 1024;

pub fn parse_info(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            if out.len() >= MAX_KEYS {
                break;
            }
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_info;

    #[test]
    fn keys_are_kept_verbatim_and_sections_dropped() {
        let m = parse_info("# Server\r\nredis_version:7.0.15\r\nos:Linux 6.1 x86_64\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n");
        assert_eq!(m.get("redis_version").map(String::as_str), Some("7.0.15"));
        assert_eq!(m.get("db0").map(String::as_str), Some("keys=1,expires=0,avg_ttl=0"));
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn a_value_may_contain_colons() {
        assert_eq!(parse_info("executable:/usr/bin/redis-server:x\n").get("executable").map(String::as_str), Some("/usr/bin/redis-server:x"));
    }
}
