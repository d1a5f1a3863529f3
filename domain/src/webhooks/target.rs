//! Where deliveries may go. A webhook URL is a request Driehoek makes on a tenant's
//! behalf, so it must never reach into the operator's own network: URLs that resolve
//! to private, loopback, link-local or otherwise non-public addresses are refused
//! unless the operator allows them (`DRIEHOEK_WEBHOOK_ALLOW_PRIVATE=true`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

/// The longest webhook URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// Checks a webhook URL's form: absolute `https` (plain `http` only where private
/// targets are allowed, i.e. in development), a host, no credentials, no fragment.
pub fn parse_url(text: &str, allow_private: bool) -> Result<Url, String> {
    if text.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    let url = Url::parse(text).map_err(|e| format!("is not a URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err("must use https".to_owned()),
        other => return Err(format!("must use https, not {other}")),
    }
    if url.host().is_none() {
        return Err("must name a host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not carry credentials; the signature authenticates deliveries".to_owned(),
        );
    }
    if url.fragment().is_some() {
        return Err("must not have a fragment".to_owned());
    }
    Ok(url)
}

/// Whether an address is on the public internet: not loopback, private, link-local,
/// shared (CGNAT), documentation, multicast, broadcast or unspecified, including IPv4
/// addresses written as IPv6.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || ip.segments()[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible, deprecated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_loopback_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
        ] {
            let ip: IpAddr = private.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(!is_public_address(ip), "{private}");
        }
        for public in [
            "93.184.215.14",
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = public.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(is_public_address(ip), "{public}");
        }
    }

    #[test]
    fn urls_must_be_https_without_credentials() {
        assert!(parse_url("https://hooks.example.com/driehoek", false).is_ok());
        assert!(parse_url("http://hooks.example.com/driehoek", false).is_err());
        assert!(parse_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(parse_url("ftp://hooks.example.com/", true).is_err());
        assert!(parse_url("https://user:pw@hooks.example.com/", false).is_err());
        assert!(parse_url("https://hooks.example.com/#x", false).is_err());
        assert!(parse_url("not a url", false).is_err());
        assert!(parse_url(&format!("https://e.com/{}", "a".repeat(2000)), false).is_err());
    }
}
