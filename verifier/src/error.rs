//! Errors at the crate's three boundaries: building a verifier, fetching keys or revocations, verifying a token.
//!
//! `Display` texts are for logs and may quote (truncated) values taken from the token; what a client may be told is
//! [`VerifyError::description`], which never echoes token content.

/// Why a [`crate::Verifier`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("no issuer configured: call .issuer(..)")]
    MissingIssuer,
    #[error("no audience configured: call .audience(..)")]
    MissingAudience,
    #[error("{what} {url:?} is not an absolute http(s) URL")]
    InvalidUrl { what: &'static str, url: String },
    #[error("cannot build the HTTP client")]
    HttpClient(#[source] reqwest::Error),
    #[error("cannot fetch authorization server metadata")]
    Discovery(#[source] FetchError),
    /// RFC 8414 §3.3: the metadata's `issuer` must be identical to the issuer it was fetched for.
    #[error("metadata at {url} names issuer {found:?}, not {expected:?}")]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },
    #[error("metadata at {url} has no usable jwks_uri: {reason}")]
    InvalidJwksUri { url: String, reason: String },
    #[error("invalid revocation feed settings: {0}")]
    InvalidRevocationFeed(&'static str),
    /// The revocation feed's first poll failed, so the verifier could not start with an up-to-date list.
    #[error("cannot read the revocation feed")]
    RevocationFeed(#[source] FetchError),
    /// The revocation feed polls from a task on the current Tokio runtime.
    #[error("the revocation feed needs a Tokio runtime: build the verifier inside one")]
    NoRuntime,
}

/// Why a JWK set, metadata document or revocation feed page could not be fetched or used.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("request to {url} failed: {message}")]
    Request { url: String, message: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} sent a body larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("{url} sent an unreadable document: {message}")]
    InvalidBody { url: String, message: String },
    #[error("{url} sent a JWK set with no usable RS256 signing key")]
    NoUsableKeys { url: String },
}

/// Why a token was not accepted. [`is_retryable`](Self::is_retryable) tells a failure to reach the issuer apart from
/// a bad token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// RFC 8725 §3.1: only RS256 is on the allow-list; `none`, HMAC (the RSA-key-as-HMAC-secret confusion) and every
    /// other algorithm are refused before any key is looked at.
    #[error("algorithm {0:?} is not allowed (only RS256)")]
    DisallowedAlgorithm(String),
    /// RFC 9068 §4 / RFC 8725 §3.11: the header must say `typ: at+jwt`.
    #[error("token type {0:?} is not at+jwt")]
    WrongType(Option<String>),
    /// RFC 8725 §3.10: keys named by the token itself (`jku`, `jwk`, `x5u`, `x5c`) are never trusted.
    #[error("header parameter {0:?} is not accepted")]
    ForbiddenHeader(&'static str),
    /// RFC 7515 §4.1.11: we understand no extensions, so a token listing critical ones must be rejected.
    #[error("header declares critical extensions")]
    CriticalHeader,
    #[error("header has no kid")]
    MissingKid,
    #[error("no published signing key has kid {0:?}")]
    UnknownKid(String),
    #[error("signature does not verify")]
    BadSignature,
    #[error("issuer {0:?} is not the expected issuer")]
    WrongIssuer(String),
    #[error("audience does not include this resource server")]
    WrongAudience,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet (nbf)")]
    NotYetValid,
    #[error("token was issued in the future (iat)")]
    IssuedInFuture,
    #[error("claim {0:?} is missing")]
    MissingClaim(&'static str),
    #[error("claim {0:?} has an invalid value")]
    InvalidClaim(&'static str),
    /// The keys could not be fetched and none cached can check this token: the token may well be valid.
    #[error("signing keys are unavailable")]
    KeysUnavailable(#[source] FetchError),
    /// The revocation feed lists the token (its `jti`, its `sid`, or its `sub` from before its `iat`).
    #[error("token has been revoked")]
    Revoked,
    /// The revocation feed has not been read within the staleness bound, so a revocation may be missing: every token
    /// is refused until a read succeeds. The token may well be valid.
    #[error("the revocation feed has not been read within the staleness bound")]
    RevocationsStale {
        /// Why the last read failed, if one did.
        #[source]
        last_error: Option<FetchError>,
    },
}

impl VerifyError {
    /// True when the token could not be checked because the issuer's keys or revocation feed were unreachable
    /// (answer 503, try later), false when the token itself is invalid or revoked (answer 401).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::KeysUnavailable(_) | Self::RevocationsStale { .. }
        )
    }

    /// A short reason safe to send to the client (RFC 6750 §3 `error_description`): fixed text, no token content.
    #[must_use]
    pub fn description(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "the token is malformed",
            Self::DisallowedAlgorithm(_) => "the token's algorithm is not accepted",
            Self::WrongType(_) => "the token is not an access token",
            Self::ForbiddenHeader(_) | Self::CriticalHeader => "the token's header is not accepted",
            Self::MissingKid | Self::UnknownKid(_) => "the token's signing key is unknown",
            Self::BadSignature => "the token's signature is invalid",
            Self::WrongIssuer(_) => "the token was issued by another issuer",
            Self::WrongAudience => "the token is not intended for this resource",
            Self::Expired => "the token has expired",
            Self::NotYetValid | Self::IssuedInFuture => "the token is not valid yet",
            Self::MissingClaim(_) | Self::InvalidClaim(_) => "the token's claims are invalid",
            Self::Revoked => "the token has been revoked",
            Self::KeysUnavailable(_) | Self::RevocationsStale { .. } => {
                "the token cannot be checked right now"
            }
        }
    }
}

/// Cuts a value taken from a token before it goes into an error, so a hostile token can't flood the logs.
pub(crate) fn excerpt(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreachable_keys_are_retryable() {
        let fetch = FetchError::Status {
            url: "u".into(),
            status: 500,
        };
        assert!(VerifyError::KeysUnavailable(fetch).is_retryable());
        assert!(VerifyError::RevocationsStale { last_error: None }.is_retryable());
        assert!(!VerifyError::Revoked.is_retryable());
        assert!(!VerifyError::Expired.is_retryable());
        assert!(!VerifyError::UnknownKid("k".into()).is_retryable());
    }

    #[test]
    fn excerpts_are_bounded() {
        assert_eq!(excerpt("short"), "short");
        assert_eq!(excerpt(&"é".repeat(500)).chars().count(), 65);
    }
}
