//! Where a browser session was started, as the account page shows it: approximate on purpose. The network is cut
//! to its /24 (IPv4) or /48 (IPv6) so the page (and the data export) can help a user recognise a session without
//! Latchkey keeping a precise address; the browser and system are read from the `User-Agent` by a few well-known
//! tokens (never shown verbatim: it is attacker-controlled text, and a long one would fill the page).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// "192.0.2.0/24 · Firefox on Linux": the network the session started from and its browser, when recognised.
pub fn approximate_source(address: IpAddr, user_agent: Option<&str>) -> String {
    let network = network(address);
    match user_agent.and_then(browser) {
        Some(browser) => format!("{network} · {browser}"),
        None => network,
    }
}

fn network(address: IpAddr) -> String {
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    };
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{}/24", Ipv4Addr::new(a, b, c, 0))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{}/48", Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
        }
    }
}

/// "Firefox on Linux", "Safari on iOS", "Chrome", …: `None` when nothing is recognised.
fn browser(user_agent: &str) -> Option<String> {
    // Order matters: Edge and Opera say "Chrome", Chrome says "Safari", iOS says "Mac OS X".
    let name = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(token, _)| user_agent.contains(token))
    .map(|(_, name)| name);
    let system = [
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("CrOS", "ChromeOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(token, _)| user_agent.contains(token))
    .map(|(_, name)| name);
    match (name, system) {
        (Some(name), Some(system)) => Some(format!("{name} on {system}")),
        (Some(name), None) => Some(name.to_owned()),
        (None, Some(system)) => Some(system.to_owned()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_is_cut_and_the_browser_named_by_known_tokens_only() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(
            approximate_source("192.0.2.77".parse().unwrap(), Some(firefox)),
            "192.0.2.0/24 · Firefox on Linux"
        );
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                    Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(
            approximate_source("2001:db8:1:2::5".parse().unwrap(), Some(edge)),
            "2001:db8:1::/48 · Edge on Windows"
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(
            approximate_source("::ffff:198.51.100.9".parse().unwrap(), Some(iphone)),
            "198.51.100.0/24 · Safari on iOS"
        );
        assert_eq!(
            approximate_source("203.0.113.1".parse().unwrap(), Some("<script>curl/8")),
            "203.0.113.0/24"
        );
        assert_eq!(
            approximate_source("203.0.113.1".parse().unwrap(), None),
            "203.0.113.0/24"
        );
    }
}
