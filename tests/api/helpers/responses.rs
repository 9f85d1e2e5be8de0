//! What `/token` answers, parsed and checked: RFC 6749 §5.1 token responses and §5.2 error responses.

use std::collections::HashSet;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap};
use serde::Deserialize;

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Deserialize)]
pub(crate) struct Tokens {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
    /// `OpenID` Connect: with the `openid` scope.
    pub id_token: Option<String>,
    pub scope: String,
}

impl Tokens {
    pub(crate) fn refresh_token(&self) -> &str {
        self.refresh_token
            .as_deref()
            .expect("the response carries no refresh_token")
    }
}

/// Claims of an access token (RFC 9068 §2.2).
#[derive(Debug, Deserialize)]
pub(crate) struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: serde_json::Value,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub client_id: String,
    pub scope: String,
    pub roles: Option<Vec<String>>,
    pub tenant: Option<String>,
}

/// Asserts a 200 token response that no cache may keep (§5.1), and parses it.
pub(crate) async fn expect_tokens(response: reqwest::Response) -> Tokens {
    let status = response.status();
    let cache_control = header(response.headers(), CACHE_CONTROL.as_str());
    let body = response.text().await.expect("reading the token response");
    assert_eq!(
        status,
        StatusCode::OK,
        "expected tokens, got {status}: {body}"
    );
    assert_eq!(
        cache_control.as_deref(),
        Some("no-store"),
        "RFC 6749 §5.1 Cache-Control"
    );
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not a token response ({e}): {body}"))
}

/// An error response as received, kept whole so tests can compare bodies byte for byte.
#[derive(Debug)]
pub(crate) struct ErrorResponse {
    pub headers: HeaderMap,
    pub body: String,
    pub description: Option<String>,
}

impl ErrorResponse {
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }

    /// Asserts that nothing the client sent comes back (no reflected input, RFC 6749 §5.2 descriptions are ours).
    pub(crate) fn assert_does_not_echo(&self, sent: &str) {
        assert!(
            !self.body.contains(sent),
            "the error echoes {sent:?}: {}",
            self.body
        );
    }
}

/// Asserts an RFC 6749 §5.2 error: the status, a JSON body whose `error` is `code` and whose only members are the
/// ones §5.2 defines, and `Cache-Control: no-store`.
pub(crate) async fn expect_error(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> ErrorResponse {
    let actual = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.expect("reading the error response");
    assert_eq!(
        actual.as_u16(),
        status,
        "expected {status} {code}, got {actual}: {body}"
    );
    assert!(
        header(&headers, CONTENT_TYPE.as_str()).is_some_and(|t| t.starts_with("application/json")),
        "an error body is JSON: {headers:?}"
    );
    let json: serde_json::Value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("the error body is not JSON ({e}): {body}"));
    let members: HashSet<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        members.is_subset(&HashSet::from(["error", "error_description", "error_uri"])),
        "RFC 6749 §5.2 members only: {body}"
    );
    assert_eq!(json["error"], code, "{body}");
    assert_eq!(
        header(&headers, CACHE_CONTROL.as_str()).as_deref(),
        Some("no-store"),
        "{body}"
    );
    ErrorResponse {
        description: json["error_description"].as_str().map(str::to_owned),
        headers,
        body,
    }
}

pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| v.to_str().expect("an ASCII header").to_owned())
}
