//! Strict `application/x-www-form-urlencoded` parsing for OAuth endpoints.
//!
//! Lenient parsers pass a malformed `%zz` through or silently keep the last of two `scope=` values; RFC 6749 §3.2
//! says "request and response parameters MUST NOT be included more than once", so every such input is rejected.

use std::collections::HashMap;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the request body is not valid percent-encoding")]
    BadEncoding,
    #[error("the request body is not valid UTF-8")]
    NotUtf8,
    /// Carries the parameter name, which is one of ours when the caller reports it.
    #[error("parameter repeated")]
    Repeated(String),
}

/// Decoded form parameters, each present at most once. Empty values count as absent (RFC 6749 §3.1).
#[derive(Debug, Default)]
pub struct Form(HashMap<String, String>);

impl Form {
    pub fn parse(body: &[u8]) -> Result<Self, FormError> {
        let (form, repeated) = Self::parse_noting_repeats(body)?;
        match repeated.into_iter().next() {
            Some(name) => Err(FormError::Repeated(name)),
            None => Ok(form),
        }
    }

    /// Like [`Form::parse`], but a repeated parameter keeps its first value and is reported in the returned list,
    /// for endpoints that must tell *which* parameter was repeated before deciding how to answer (the
    /// authorization endpoint never redirects when `client_id` or `redirect_uri` is in doubt).
    pub fn parse_noting_repeats(body: &[u8]) -> Result<(Self, Vec<String>), FormError> {
        let mut params = HashMap::new();
        let mut repeated = Vec::new();
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let name = decode(name)?;
            let value = decode(value)?;
            match params.entry(name) {
                std::collections::hash_map::Entry::Occupied(entry) => {
                    repeated.push(entry.key().clone());
                }
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(value);
                }
            }
        }
        Ok((Self(params), repeated))
    }

    /// A parameter's value; an empty value is treated as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

/// Decodes one component: `+` is a space, `%XX` a byte; anything else after `%` is an error. The result must be
/// UTF-8 (RFC 6749 Appendix B).
fn decode(raw: &[u8]) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).ok_or(FormError::BadEncoding)?;
                let hi = hex_value(hex[0]).ok_or(FormError::BadEncoding)?;
                let lo = hex_value(hex[1]).ok_or(FormError::BadEncoding)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a `client_id` or `client_secret` taken from HTTP Basic credentials (RFC 6749 §2.3.1).
pub fn decode_component(raw: &str) -> Result<String, FormError> {
    decode(raw.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent_escapes() {
        let form = Form::parse(b"username=ada%40example.org&password=a+b%2Bc&scope=").unwrap();
        assert_eq!(form.get("username"), Some("ada@example.org"));
        assert_eq!(form.get("password"), Some("a b+c"));
        assert_eq!(form.get("scope"), None);
        assert!(form.contains("scope"));
    }

    #[test]
    fn rfc6749_3_2_repeated_parameters_are_rejected() {
        assert_eq!(
            Form::parse(b"a=1&a=2").unwrap_err(),
            FormError::Repeated("a".into())
        );
        assert_eq!(
            Form::parse(b"a=1&%61=2").unwrap_err(),
            FormError::Repeated("a".into())
        );
    }

    #[test]
    fn malformed_escapes_and_invalid_utf8_are_rejected() {
        assert_eq!(Form::parse(b"a=%zz").unwrap_err(), FormError::BadEncoding);
        assert_eq!(Form::parse(b"a=%4").unwrap_err(), FormError::BadEncoding);
        assert_eq!(Form::parse(b"a=%ff%fe").unwrap_err(), FormError::NotUtf8);
        assert_eq!(Form::parse(b"a=\xff").unwrap_err(), FormError::NotUtf8);
    }
}
