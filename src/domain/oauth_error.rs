//! OAuth errors as the protocol defines them (RFC 6749 §4.1.2.1, §5.2; RFC 7009 §2.2.1; RFC 6750 §3.1), with no HTTP
//! types: the HTTP edge (`oauth::http_response`) turns them into a JSON body with its status, and the authorization
//! endpoint will turn the same values into a redirect or an error page.
//!
//! Descriptions are fixed strings written in this crate: they never echo client input or internals. Internal
//! failures are logged where they are converted, with the request's span, and answered without detail.

use std::borrow::Cow;

use crate::domain::authentication::AuthError;
use crate::domain::passwords::PasswordError;
use crate::domain::throttle::Throttled;
use crate::domain::tokens::issuer::IssueError;
use crate::store::StoreError;

/// The one description for every failed login, so the response can't tell which part was wrong.
pub const BAD_CREDENTIALS: &str = "invalid username or password";

/// Error codes of RFC 6749 (and the ones later RFCs register in the same registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    ServerError,
    TemporarilyUnavailable,
    /// RFC 6750 §3.1: a bearer token that is expired, revoked or malformed.
    InvalidToken,
    /// RFC 7009 §2.2.1.
    UnsupportedTokenType,
    /// OpenID Connect Core §3.1.2.6: `prompt=none` without a session.
    LoginRequired,
    /// OpenID Connect Core §3.1.2.6: `prompt=none` for a third-party client the user has not allowed (yet).
    ConsentRequired,
    /// OpenID Connect Core §3.1.2.6: `prompt=none`, but the user must interact (a second factor: a step-up).
    InteractionRequired,
    /// OpenID Connect Core §3.1.2.6: request objects (`request`, `request_uri`) are not supported.
    RequestNotSupported,
    RequestUriNotSupported,
}

impl ErrorCode {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::InteractionRequired => "interaction_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protocol error: a code and a description safe to show the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: Cow<'static, str>,
    /// Set when the caller was throttled: answered 429 with this `Retry-After` (seconds).
    pub retry_after: Option<u64>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    pub fn invalid_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidClient, description)
    }

    pub fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    pub fn unauthorized_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::UnauthorizedClient, description)
    }

    pub fn unsupported_grant_type() -> Self {
        Self::new(
            ErrorCode::UnsupportedGrantType,
            "the grant_type is not supported",
        )
    }

    pub fn invalid_scope(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidScope, description)
    }

    /// The request may succeed later, so clients must keep their refresh tokens (answered 503 + `Retry-After`).
    pub fn temporarily_unavailable() -> Self {
        Self::new(
            ErrorCode::TemporarilyUnavailable,
            "the service is temporarily unavailable; retry later",
        )
    }

    /// Too many attempts from this source (brute-force defence): 429 with `Retry-After`, the same answer whether
    /// or not the account exists.
    pub fn throttled(throttled: Throttled) -> Self {
        Self {
            retry_after: Some(throttled.retry_after_secs()),
            ..Self::new(
                ErrorCode::TemporarilyUnavailable,
                "too many attempts; retry after the time in Retry-After",
            )
        }
    }

    pub fn server_error() -> Self {
        Self::new(ErrorCode::ServerError, "an internal error occurred")
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.description)
    }
}

impl std::error::Error for OAuthError {}

impl From<StoreError> for OAuthError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::temporarily_unavailable()
            }
            // A store failure we can't classify is still answered as "retry later": a 4xx here would make clients
            // discard valid refresh tokens.
            StoreError::Query(e) => {
                tracing::error!(error = %e, "database query failed");
                Self::temporarily_unavailable()
            }
            other => {
                tracing::error!(error = %other, "store error");
                Self::server_error()
            }
        }
    }
}

impl From<PasswordError> for OAuthError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::TooLong => Self::invalid_request("the password exceeds 1024 bytes"),
            PasswordError::TooShort | PasswordError::Common => Self::invalid_grant(BAD_CREDENTIALS),
            PasswordError::Hashing(e) => {
                tracing::error!(error = %e, "password hashing failed");
                Self::server_error()
            }
            // Load shedding: RFC 6749 §5.2 has no busy code for /token, so this is answered like an outage, 503
            // with Retry-After, which tells the client the request may succeed later.
            PasswordError::Busy => {
                tracing::info!("password check shed: the hashing queue is full");
                Self::temporarily_unavailable()
            }
        }
    }
}

impl From<AuthError> for OAuthError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::InvalidCredentials => Self::invalid_grant(BAD_CREDENTIALS),
            AuthError::Throttled(throttled) => Self::throttled(throttled),
            AuthError::Busy => PasswordError::Busy.into(),
            AuthError::Store(e) => e.into(),
            AuthError::Hashing(e) => e.into(),
        }
    }
}

impl From<IssueError> for OAuthError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Rejected => Self::invalid_grant("the grant is no longer valid"),
            IssueError::Store(e) => e.into(),
            IssueError::Signing(e) => {
                tracing::error!(error = %e, "signing failed");
                Self::server_error()
            }
        }
    }
}

impl From<anyhow::Error> for OAuthError {
    fn from(error: anyhow::Error) -> Self {
        tracing::error!(error = %error, "unexpected error");
        Self::server_error()
    }
}
