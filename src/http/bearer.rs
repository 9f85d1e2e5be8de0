//! Bearer tokens on the wire (RFC 6750): reading one from the `Authorization` header (§2.1) and the one builder of
//! the `WWW-Authenticate` challenge (§3) for every surface that takes bearer tokens (`/userinfo`, self-service
//! logout, the admin API).

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderValue};

/// Why a bearer token was refused (RFC 6750 §3.1).
#[derive(Debug)]
pub enum Refusal {
    /// No token at all: a challenge without an error code (§3.1).
    Missing,
    InvalidRequest(&'static str),
    InvalidToken(String),
    /// The token lacks this scope (§3.1: 403).
    InsufficientScope(&'static str),
    Unavailable,
}

/// The bearer token of `req`, `None` without an `Authorization` header; a header of another scheme, or not
/// ASCII, is a malformed request (§3.1 `invalid_request`).
pub fn bearer_header(req: &HttpRequest) -> Result<Option<String>, Refusal> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| Refusal::InvalidRequest("the Authorization header is malformed"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(Refusal::InvalidRequest(
            "use the Bearer authentication scheme",
        )),
    }
}

/// What a challenge says beyond its realm (RFC 6750 §3).
#[derive(Debug, Clone, Copy)]
pub enum Challenge<'a> {
    /// No credentials were sent: the realm alone, no error code (§3.1).
    Realm,
    /// `error` with a human-readable `error_description`.
    Error {
        error: &'a str,
        description: &'a str,
    },
    /// `insufficient_scope`, naming the scope the resource needs.
    InsufficientScope { scope: &'a str },
}

/// The `WWW-Authenticate: Bearer …` value for `realm`. Quotes and backslashes in the description are dropped:
/// §3 forbids them in `error_description` (and a quoted-string must not be closed early).
pub fn challenge(realm: &str, challenge: Challenge<'_>) -> HeaderValue {
    let clean = |text: &str| -> String {
        text.chars()
            .filter(|c| *c != '"' && *c != '\\' && (' '..='~').contains(c))
            .collect()
    };
    let value = match challenge {
        Challenge::Realm => format!(r#"Bearer realm="{realm}""#),
        Challenge::Error { error, description } => format!(
            r#"Bearer realm="{realm}", error="{error}", error_description="{}""#,
            clean(description)
        ),
        Challenge::InsufficientScope { scope } => format!(
            r#"Bearer realm="{realm}", error="insufficient_scope", scope="{}""#,
            clean(scope)
        ),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_token_is_challenged_with_the_realm_alone_rfc_6750_section_3_1() {
        assert_eq!(
            challenge("latchkey", Challenge::Realm),
            r#"Bearer realm="latchkey""#
        );
    }

    #[test]
    fn a_description_cannot_close_the_quoted_string_early() {
        let value = challenge(
            "latchkey",
            Challenge::Error {
                error: "invalid_token",
                description: r#"bad "token" \ here"#,
            },
        );
        assert_eq!(
            value,
            r#"Bearer realm="latchkey", error="invalid_token", error_description="bad token  here""#
        );
    }
}
