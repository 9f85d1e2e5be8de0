//! Finds the `jwks_uri` in the issuer's authorization server metadata (RFC 8414).

use reqwest::Url;
use serde_json::{Map, Value};

use crate::error::{BuildError, FetchError};
use crate::fetch::{self, Fetched};

const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

/// Fetches the issuer's metadata and returns its `jwks_uri`, after checking the metadata is the issuer's own.
pub(crate) async fn jwks_uri(client: &reqwest::Client, issuer: &str) -> Result<Url, BuildError> {
    let candidates = metadata_urls(issuer)?;
    let mut last_error = None;
    for url in candidates {
        let body = match fetch::get(client, url.as_str(), "application/json", None).await {
            Ok(Fetched::Body { body, .. }) => body,
            // Only conditional requests get a 304, and this one isn't.
            Ok(Fetched::NotModified { .. }) => {
                return Err(BuildError::Discovery(FetchError::Status {
                    url: url.to_string(),
                    status: 304,
                }));
            }
            Err(error @ FetchError::Status { status: 404, .. }) => {
                last_error = Some(error);
                continue;
            }
            Err(error) => return Err(BuildError::Discovery(error)),
        };
        return read_metadata(&url, issuer, &body);
    }
    Err(BuildError::Discovery(last_error.unwrap_or_else(|| {
        FetchError::Status {
            url: issuer.to_owned(),
            status: 404,
        }
    })))
}

/// Where the metadata may be. RFC 8414 §3.1 inserts the well-known path between host and issuer path
/// (`https://h/.well-known/oauth-authorization-server/tenant`); a server mounted under a path prefix serves it
/// after the issuer instead (`https://h/tenant/.well-known/…`), which is tried second. Both are checked the same way.
fn metadata_urls(issuer: &str) -> Result<Vec<Url>, BuildError> {
    let invalid = || BuildError::InvalidUrl {
        what: "issuer",
        url: issuer.to_owned(),
    };
    let parsed = Url::parse(issuer).map_err(|_| invalid())?;
    // RFC 8414 §2: the issuer has no query or fragment.
    if !matches!(parsed.scheme(), "https" | "http")
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || parsed.cannot_be_a_base()
    {
        return Err(invalid());
    }
    let path = parsed.path().trim_end_matches('/');
    let mut rfc8414 = parsed.clone();
    rfc8414.set_path(&format!("{WELL_KNOWN}{path}"));
    let mut urls = vec![rfc8414];
    if !path.is_empty() {
        let mut appended = parsed.clone();
        appended.set_path(&format!("{path}{WELL_KNOWN}"));
        urls.push(appended);
    }
    Ok(urls)
}

fn read_metadata(url: &Url, issuer: &str, body: &[u8]) -> Result<Url, BuildError> {
    let metadata: Map<String, Value> = serde_json::from_slice(body).map_err(|e| {
        BuildError::Discovery(FetchError::InvalidBody {
            url: url.to_string(),
            message: e.to_string(),
        })
    })?;
    // RFC 8414 §3.3: the issuer in the metadata must be identical to the one we asked for, or an attacker who can
    // serve a metadata document could impersonate another issuer.
    let found = metadata.get("issuer").and_then(Value::as_str).unwrap_or("");
    if found != issuer {
        return Err(BuildError::IssuerMismatch {
            url: url.to_string(),
            expected: issuer.to_owned(),
            found: found.to_owned(),
        });
    }
    let invalid = |reason: &str| BuildError::InvalidJwksUri {
        url: url.to_string(),
        reason: reason.to_owned(),
    };
    let jwks_uri = metadata
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("missing"))?;
    let jwks_uri = Url::parse(jwks_uri).map_err(|_| invalid("not a URL"))?;
    match (url.scheme(), jwks_uri.scheme()) {
        ("https", "https") | ("http", "https" | "http") => Ok(jwks_uri),
        ("https", "http") => Err(invalid("an https issuer's keys must come over https")),
        _ => Err(invalid("not an http(s) URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(issuer: &str) -> Vec<String> {
        metadata_urls(issuer)
            .unwrap()
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn metadata_urls_follow_rfc8414_section_3_1() {
        assert_eq!(
            urls("https://idp.example"),
            ["https://idp.example/.well-known/oauth-authorization-server"]
        );
        assert_eq!(
            urls("http://127.0.0.1:8080"),
            ["http://127.0.0.1:8080/.well-known/oauth-authorization-server"]
        );
        assert_eq!(
            urls("https://idp.example/tenant/"),
            [
                "https://idp.example/.well-known/oauth-authorization-server/tenant",
                "https://idp.example/tenant/.well-known/oauth-authorization-server",
            ]
        );
    }

    #[test]
    fn issuers_with_query_fragment_or_other_schemes_are_refused_rfc8414_section_2() {
        for issuer in [
            "https://idp.example?x=1",
            "https://idp.example#f",
            "ftp://idp.example",
            "idp",
        ] {
            assert!(metadata_urls(issuer).is_err(), "{issuer}");
        }
    }

    #[test]
    fn metadata_must_name_the_same_issuer_rfc8414_section_3_3() {
        let url = Url::parse("https://idp.example/.well-known/oauth-authorization-server").unwrap();
        let body = br#"{"issuer":"https://evil.example","jwks_uri":"https://evil.example/jwks"}"#;
        assert!(matches!(
            read_metadata(&url, "https://idp.example", body),
            Err(BuildError::IssuerMismatch { .. })
        ));
        let body = br#"{"issuer":"https://idp.example","jwks_uri":"https://idp.example/jwks"}"#;
        assert_eq!(
            read_metadata(&url, "https://idp.example", body)
                .unwrap()
                .as_str(),
            "https://idp.example/jwks"
        );
    }

    #[test]
    fn an_https_issuer_cannot_point_at_http_keys() {
        let url = Url::parse("https://idp.example/.well-known/oauth-authorization-server").unwrap();
        let body = br#"{"issuer":"https://idp.example","jwks_uri":"http://idp.example/jwks"}"#;
        assert!(matches!(
            read_metadata(&url, "https://idp.example", body),
            Err(BuildError::InvalidJwksUri { .. })
        ));
    }
}
