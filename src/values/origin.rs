//! Web origins (RFC 6454): the scheme, host and port a browser app runs on, as browsers send them in `Origin`. A
//! client's own list, or by default the origins of its web redirection URIs.

use std::collections::BTreeSet;

/// Parses an origin an operator registers: `https://host[:port]`, or `http://` only for a loopback host (as
/// redirection URIs, RFC 8252 §7.3); no path, query, fragment or user info; never `*` or `null`. Returns the
/// origin as browsers serialize it in `Origin` (RFC 6454 §6.2: lower-case host, no default port).
pub fn parse_web_origin(text: &str) -> Result<String, String> {
    let wrong = |why: &str| Err(format!("web origin {text:?}: {why}"));
    if text.contains('*') || text.eq_ignore_ascii_case("null") {
        return wrong("name one origin; * and null are never allowed");
    }
    if text.chars().any(|c| c.is_control() || c == ' ') {
        return wrong("must not contain spaces or control characters");
    }
    let Ok(url) = url::Url::parse(text) else {
        return wrong("is not an origin like https://app.example.com");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return wrong("must not contain user info");
    }
    // The parser reads "https://host" and "https://host/" alike: only the former is an origin.
    let after_authority = text.split_once("://").map_or("", |(_, rest)| {
        rest.find(['/', '\\', '?', '#']).map_or("", |i| &rest[i..])
    });
    if !after_authority.is_empty() {
        return wrong("an origin has no path, query or fragment (like https://app.example.com)");
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return wrong("http is allowed only for a loopback host (127.0.0.1, [::1], localhost)");
        }
        _ => return wrong("use https (or http on a loopback host)"),
    }
    Ok(url.origin().ascii_serialization())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// The web origin of a registered redirection URI: `None` for a private-use scheme (a native app has no origin).
pub fn origin_of_redirect_uri(uri: &str) -> Option<String> {
    // A value stored before registration refused control characters is no origin (the parser would drop them).
    if uri.chars().any(|c| c.is_control() || c == ' ') {
        return None;
    }
    let url = url::Url::parse(uri).ok()?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => return None,
    }
    Some(url.origin().ascii_serialization())
}

/// Parses and normalizes a list of web origins; duplicates collapse, the order is kept.
pub fn parse_web_origins(texts: &[String]) -> Result<Vec<String>, String> {
    let mut seen = BTreeSet::new();
    let mut origins = Vec::new();
    for text in texts {
        let origin = parse_web_origin(text)?;
        if seen.insert(origin.clone()) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::{origin_of_redirect_uri, parse_web_origin};

    #[test]
    fn a_web_origin_is_scheme_host_and_port_as_browsers_send_it() {
        for (given, stored) in [
            ("https://app.example.com", "https://app.example.com"),
            ("https://APP.Example.com:443", "https://app.example.com"),
            (
                "https://app.example.com:8443",
                "https://app.example.com:8443",
            ),
            ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://[::1]:8080", "http://[::1]:8080"),
        ] {
            assert_eq!(parse_web_origin(given).as_deref(), Ok(stored), "{given}");
        }
        for bad in [
            "*",
            "null",
            "NULL",
            "https://app.example.com/",
            "https://app.example.com/spa",
            "https://app.example.com?x=1",
            "https://app.example.com#x",
            "https://user:pw@app.example.com",
            "https://user@app.example.com",
            "http://app.example.com",
            "ftp://app.example.com",
            "com.example.app:",
            "app.example.com",
            "https://app.example.com\n",
            "https://*.example.com",
            "https://app.example.com\\",
            "",
        ] {
            assert!(parse_web_origin(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn the_default_origins_come_from_web_redirect_uris_only() {
        assert_eq!(
            origin_of_redirect_uri("https://app.example.com/callback?x=1").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            origin_of_redirect_uri("http://127.0.0.1:5173/cb").as_deref(),
            Some("http://127.0.0.1:5173")
        );
        assert_eq!(
            origin_of_redirect_uri("com.example.app:/oauth2redirect"),
            None
        );
    }
}
