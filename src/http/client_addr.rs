//! The client's address, seen through the reverse proxies the operator trusts (setting `trusted_proxies`).
//!
//! `X-Forwarded-For` is a list each proxy appends its peer to, so only its right end is trustworthy: anything to the
//! left of the first hop we don't trust was written by the client and may be forged. The client is therefore the
//! right-most address that is not a trusted proxy (the rule of MDN's and OWASP's guidance on the header); the header
//! is ignored altogether unless the TCP peer itself is trusted.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use actix_web::HttpRequest;
use actix_web::http::header::X_FORWARDED_FOR;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The proxies whose `X-Forwarded-For` entries are believed: addresses and CIDR ranges. Empty (the default) trusts
/// no one, so the client address is always the TCP peer.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list (`127.0.0.1/32,10.0.0.0/8`); a bare address means that address alone.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::parse_entries(text.split(','))
    }

    fn parse_entries<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        entries
            .into_iter()
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(parse_range)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
            .map_err(|e| format!("trusted_proxies: {e}"))
    }

    /// Whether `addr` is one of the trusted proxies.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|range| range.contains(&addr))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One entry: an address, or a network written without host bits. `10.0.0.1/8` is refused rather than read as
/// `10.0.0.0/8`: it is as likely a typo for `10.0.0.1/32`, and guessing would trust sixteen million addresses.
fn parse_range(entry: &str) -> Result<IpNet, String> {
    if !entry.contains('/') {
        return entry
            .parse::<IpAddr>()
            .map(|addr| IpNet::from(addr.to_canonical()))
            .map_err(|_| format!("{entry:?} is not an IP address or CIDR range"));
    }
    let range: IpNet = entry
        .parse()
        .map_err(|_| format!("{entry:?} is not an IP address or CIDR range"))?;
    if range.trunc() != range {
        return Err(format!(
            "{entry:?} has host bits set: write the network ({}) or a single address (/{})",
            range.trunc(),
            range.max_prefix_len()
        ));
    }
    Ok(range)
}

impl fmt::Debug for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(ToString::to_string))
            .finish()
    }
}

impl Serialize for TrustedProxies {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    /// A TOML array of strings, or one comma-separated string (how an environment variable carries a list).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            One(String),
            Many(Vec<String>),
        }
        let parsed = match Written::deserialize(deserializer)? {
            Written::One(text) => Self::parse(&text),
            Written::Many(entries) => Self::parse_entries(entries.iter().map(String::as_str)),
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

/// The address of the client that sent `req`: the TCP peer, unless the peer is a trusted proxy; then the right-most
/// untrusted address of `X-Forwarded-For` (all its field lines, in order, RFC 9110 §5.3).
///
/// When every listed address is trusted, the left-most one is the client (requests between our own machines).
/// An entry that is not an address (`unknown`, a name, garbage) stops the walk, and the last address believed is
/// the answer, which is a trusted proxy: what lies beyond an unreadable hop can't be told from forgery, and pinning
/// such requests to the proxy can't help an attacker spread guesses over made-up addresses. IPv4-mapped IPv6
/// addresses (`::ffff:192.0.2.1`, a dual-stack socket's view of an IPv4 peer) count as their IPv4 address.
pub fn client_address(req: &HttpRequest, trusted: &TrustedProxies) -> IpAddr {
    // Without a peer (only in unit tests: a TCP connection always has one) nothing can be believed.
    let Some(peer) = req.peer_addr() else {
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    let forwarded = req
        .headers()
        .get_all(X_FORWARDED_FOR)
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(Some).collect::<Vec<_>>(),
            // A line that isn't visible ASCII can't be read: a hop we can't trust.
            Err(_) => vec![None],
        })
        .collect::<Vec<_>>();
    walk(peer.ip(), forwarded.into_iter().rev(), trusted)
}

/// The rule of [`client_address`] over the peer and the forwarded entries, right-most first (`None`: unreadable).
fn walk<'a>(
    peer: IpAddr,
    right_to_left: impl Iterator<Item = Option<&'a str>>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    for entry in right_to_left {
        let entry = entry.map(str::trim);
        // RFC 9110 §5.6.1: empty list elements are ignored.
        if entry == Some("") {
            continue;
        }
        let Some(addr) = entry.and_then(parse_forwarded) else {
            return client;
        };
        client = addr;
        if !trusted.contains(client) {
            return client;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, optionally with a port as some proxies write it (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`, `[2001:db8::1]`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let addr = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse::<IpAddr>().ok())
        })?;
    Some(addr.to_canonical())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn trusted(text: &str) -> TrustedProxies {
        TrustedProxies::parse(text).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// The client of a request from `peer` carrying `headers` (one `X-Forwarded-For` line each).
    fn client(peer: &str, headers: &[&str], proxies: &str) -> IpAddr {
        let mut request = TestRequest::default().peer_addr(SocketAddr::new(ip(peer), 40_000));
        for header in headers {
            request = request.append_header((X_FORWARDED_FOR, *header));
        }
        client_address(&request.to_http_request(), &trusted(proxies))
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        assert_eq!(
            client("198.51.100.7", &["203.0.113.9"], ""),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn an_untrusted_peers_header_is_ignored() {
        assert_eq!(
            client("198.51.100.7", &["203.0.113.9"], "10.0.0.0/8"),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_entry_it_appended() {
        assert_eq!(
            client("10.0.0.2", &["203.0.113.9"], "10.0.0.0/8"),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn spoofed_left_most_entries_are_ignored() {
        // The client sent "X-Forwarded-For: 1.1.1.1, 2.2.2.2"; the proxy appended the real peer.
        assert_eq!(
            client("10.0.0.2", &["1.1.1.1, 2.2.2.2, 203.0.113.9"], "10.0.0.0/8"),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_from_the_right() {
        // client → CDN edge (192.0.2.10, trusted) → load balancer (10.0.0.5) → us.
        assert_eq!(
            client(
                "10.0.0.5",
                &["6.6.6.6, 203.0.113.9, 192.0.2.10"],
                "10.0.0.0/8, 192.0.2.0/24"
            ),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn every_header_line_counts_in_order() {
        assert_eq!(
            client(
                "10.0.0.5",
                &["6.6.6.6, 203.0.113.9", "192.0.2.10"],
                "10.0.0.0/8,192.0.2.10"
            ),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn when_every_entry_is_trusted_the_left_most_is_the_client() {
        assert_eq!(
            client("10.0.0.5", &["10.1.2.3, 10.0.0.4"], "10.0.0.0/8"),
            ip("10.1.2.3")
        );
        assert_eq!(client("10.0.0.5", &[], "10.0.0.0/8"), ip("10.0.0.5"));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_address_believed() {
        assert_eq!(
            client("10.0.0.5", &["203.0.113.9, unknown"], "10.0.0.0/8"),
            ip("10.0.0.5")
        );
        assert_eq!(
            client(
                "10.0.0.5",
                &["203.0.113.9, not-an-ip, 10.0.0.4"],
                "10.0.0.0/8"
            ),
            ip("10.0.0.4")
        );
        // Garbage left of the first untrusted entry is never reached.
        assert_eq!(
            client("10.0.0.5", &["<script>, 203.0.113.9"], "10.0.0.0/8"),
            ip("203.0.113.9")
        );
        // Empty elements are skipped, not garbage.
        assert_eq!(
            client("10.0.0.5", &["203.0.113.9, , 10.0.0.4,"], "10.0.0.0/8"),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ports_and_brackets_are_understood() {
        assert_eq!(
            client("10.0.0.5", &["203.0.113.9:4711"], "10.0.0.0/8"),
            ip("203.0.113.9")
        );
        assert_eq!(
            client("10.0.0.5", &["[2001:db8::1]:4711"], "10.0.0.0/8"),
            ip("2001:db8::1")
        );
        assert_eq!(
            client("10.0.0.5", &["[2001:db8::1]"], "10.0.0.0/8"),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        // A dual-stack listener sees an IPv4 proxy as ::ffff:10.0.0.5; it is still the trusted 10.0.0.5.
        assert_eq!(
            client("::ffff:10.0.0.5", &["::ffff:203.0.113.9"], "10.0.0.0/8"),
            ip("203.0.113.9")
        );
        assert_eq!(client("::ffff:198.51.100.7", &[], ""), ip("198.51.100.7"));
        assert!(trusted("::ffff:10.0.0.5").contains(ip("10.0.0.5")));
    }

    #[test]
    fn the_setting_reads_lists_and_refuses_bad_entries_by_name() {
        assert_eq!(
            trusted(" 127.0.0.1/32 , 10.0.0.0/8,::1 ,"),
            TrustedProxies(vec![
                "127.0.0.1/32".parse().unwrap(),
                "10.0.0.0/8".parse().unwrap(),
                "::1/128".parse().unwrap(),
            ])
        );
        assert!(trusted("").is_empty());
        for bad in ["10.0.0.0/33", "10.0.0.1/8", "localhost", "10.0.0.0/8;"] {
            let e = TrustedProxies::parse(bad).unwrap_err();
            assert!(e.starts_with("trusted_proxies: "), "{e}");
        }
        let from_toml: TrustedProxies =
            serde_json::from_str(r#"["127.0.0.1", "10.0.0.0/8"]"#).unwrap();
        assert_eq!(from_toml, trusted("127.0.0.1/32,10.0.0.0/8"));
        let from_env: TrustedProxies =
            serde_json::from_str(r#""127.0.0.1/32,10.0.0.0/8""#).unwrap();
        assert_eq!(from_env, from_toml);
        let round_trip = serde_json::to_string(&from_env).unwrap();
        assert_eq!(round_trip, r#"["127.0.0.1/32","10.0.0.0/8"]"#);
    }
}
