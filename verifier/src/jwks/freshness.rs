//! How long a fetched JWK set stays fresh, from the response's `Cache-Control` and `Age` (RFC 9111 §4.2, §5.2).

use std::time::Duration;

use reqwest::header::{AGE, CACHE_CONTROL, HeaderMap};

/// What the response said about its own freshness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Fresh for this long (already reduced by `Age`).
    For(Duration),
    /// Must be revalidated before use: `no-cache`, `no-store`, `max-age=0`, or an invalid or repeated `max-age`.
    Stale,
    /// No freshness information: the caller applies its own default.
    Unspecified,
}

/// Reads the freshness of a response. `Expires` is not consulted: without `max-age` the default applies.
pub(crate) fn of(headers: &HeaderMap) -> Freshness {
    let mut max_age = None;
    let mut max_age_count = 0;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else {
            return Freshness::Stale;
        };
        for (name, argument) in directives(value) {
            match (name.to_ascii_lowercase().as_str(), argument) {
                // §5.2.2.5; §5.2.2.4 (a no-cache listing header fields restricts only those fields: ignored).
                ("no-store", _) | ("no-cache", None) => return Freshness::Stale,
                ("max-age", argument) => {
                    max_age_count += 1;
                    max_age = argument.as_deref().and_then(delta_seconds);
                }
                _ => {}
            }
        }
    }
    match (max_age_count, max_age) {
        (0, _) => Freshness::Unspecified,
        // §4.2.1: a repeated or invalid max-age makes the response stale.
        (1, Some(seconds)) => {
            let age = headers
                .get(AGE)
                .and_then(|v| v.to_str().ok())
                .and_then(delta_seconds)
                .unwrap_or(0);
            match seconds.saturating_sub(age) {
                0 => Freshness::Stale,
                left => Freshness::For(Duration::from_secs(left)),
            }
        }
        _ => Freshness::Stale,
    }
}

/// delta-seconds (RFC 9111 §1.2.2): digits only; values too large to represent count as 2^31.
fn delta_seconds(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(1 << 31).min(1 << 31))
}

/// Splits a Cache-Control value into `(name, argument)` pairs; arguments may be quoted strings (§5.2), whose
/// commas don't separate directives.
fn directives(value: &str) -> Vec<(&str, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let end = directive_end(rest);
        let (directive, tail) = rest.split_at(end);
        rest = tail.strip_prefix(',').unwrap_or(tail);
        let directive = directive.trim_matches([' ', '\t']);
        if directive.is_empty() {
            continue;
        }
        match directive.split_once('=') {
            None => out.push((directive, None)),
            Some((name, argument)) => {
                out.push((name.trim_end_matches([' ', '\t']), Some(unquote(argument))));
            }
        }
    }
    out
}

/// Index of the first comma outside a quoted string.
fn directive_end(text: &str) -> usize {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => return i,
            _ => {}
        }
    }
    text.len()
}

/// The quoted-string form is accepted for every argument (§5.2: recipients should accept both forms).
fn unquote(argument: &str) -> String {
    let argument = argument.trim_start_matches([' ', '\t']);
    match argument.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                out.push(if c == '\\' {
                    chars.next().unwrap_or(c)
                } else {
                    c
                });
            }
            out
        }
        None => argument.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn freshness(cache_control: &[&str], age: Option<&str>) -> Freshness {
        let mut headers = HeaderMap::new();
        for value in cache_control {
            headers.append(CACHE_CONTROL, HeaderValue::from_str(value).unwrap());
        }
        if let Some(age) = age {
            headers.insert(AGE, HeaderValue::from_str(age).unwrap());
        }
        of(&headers)
    }

    fn secs(n: u64) -> Freshness {
        Freshness::For(Duration::from_secs(n))
    }

    #[test]
    fn max_age_gives_the_lifetime() {
        assert_eq!(freshness(&["public, max-age=300"], None), secs(300));
        assert_eq!(freshness(&["Max-Age=\"60\", public"], None), secs(60));
        assert_eq!(freshness(&["public", "max-age=5"], None), secs(5));
        assert_eq!(
            freshness(&["max-age=99999999999999999999"], None),
            secs(1 << 31)
        );
    }

    #[test]
    fn age_is_subtracted_rfc9111_section_4_2_3() {
        assert_eq!(freshness(&["max-age=300"], Some("100")), secs(200));
        assert_eq!(freshness(&["max-age=300"], Some("300")), Freshness::Stale);
        assert_eq!(freshness(&["max-age=300"], Some("junk")), secs(300));
    }

    #[test]
    fn no_store_no_cache_and_zero_mean_revalidate_rfc9111_section_5_2_2() {
        for value in ["no-store", "max-age=300, no-cache", "NO-CACHE", "max-age=0"] {
            assert_eq!(freshness(&[value], None), Freshness::Stale, "{value}");
        }
        assert_eq!(
            freshness(&["no-cache=\"Set-Cookie, X-Foo\", max-age=30"], None),
            secs(30)
        );
    }

    #[test]
    fn invalid_or_repeated_max_age_is_stale_rfc9111_section_4_2_1() {
        for value in [
            "max-age=ten",
            "max-age=-1",
            "max-age=",
            "max-age=5, max-age=6",
        ] {
            assert_eq!(freshness(&[value], None), Freshness::Stale, "{value}");
        }
    }

    #[test]
    fn without_max_age_freshness_is_unspecified() {
        assert_eq!(freshness(&[], None), Freshness::Unspecified);
        assert_eq!(
            freshness(&["public, s-maxage=60"], None),
            Freshness::Unspecified
        );
    }
}
