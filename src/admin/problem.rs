//! Errors of the admin API as RFC 9457 problem details (`application/problem+json`).
//!
//! Every problem is `type: about:blank` (RFC 9457 §4.2.1): the status code says what kind of problem it is, `title`
//! is the status's reason phrase and `detail` says what to fix. Details never echo secrets; causes of 5xx answers
//! are logged with the request id, never returned.

use crate::domain::mfa::factors::FactorError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::clients::ClientError;
use crate::domain::passwords::PasswordError;
use crate::domain::signing::admin::{AdminError, KeyRefusal};
use crate::domain::users::UserError;
use crate::http::bearer::{Challenge, challenge};
use crate::http::retry_after::RETRY_AFTER_SECS;
use crate::store::StoreError;

/// A problem detail object (RFC 9457 §3.1).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code is the problem's type.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "about:blank")]
    pub kind: &'static str,
    /// The status code's reason phrase.
    #[schema(value_type = String)]
    pub title: &'static str,
    pub status: u16,
    /// What went wrong, for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For 401 and 403: the RFC 6750 error code (`invalid_token`, `insufficient_scope`); for a client's refused
    /// display metadata or party, `invalid_client_metadata` (RFC 7591 §3.2.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub error: Option<&'static str>,
    #[serde(skip)]
    #[schema(ignore)]
    challenge: Option<HeaderValue>,
    #[serde(skip)]
    #[schema(ignore)]
    allow: Option<&'static str>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.title)
    }
}

/// The realm of the admin API's bearer challenges.
const REALM: &str = "latchkey-admin";

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: Some(detail.into()),
            error: None,
            challenge: None,
            allow: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 400 with the RFC 7591 §3.2.2 error code: a client's metadata was refused.
    pub fn invalid_client_metadata(detail: impl Into<String>) -> Self {
        Self {
            error: Some("invalid_client_metadata"),
            ..Self::bad_request(detail)
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, detail)
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service is temporarily unavailable; retry later",
        )
    }

    /// 405 with the methods the resource has (RFC 9110 §15.5.6).
    pub fn method_not_allowed(allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("this resource accepts {allow}"),
            )
        }
    }

    /// 401 with a `Bearer` challenge (RFC 6750 §3); `error` is `None` when no token was sent at all.
    pub fn unauthorized(error: Option<&'static str>, detail: &str) -> Self {
        let challenge = challenge(
            REALM,
            match error {
                Some(error) => Challenge::Error {
                    error,
                    description: detail,
                },
                None => Challenge::Realm,
            },
        );
        Self {
            error,
            challenge: Some(challenge),
            ..Self::new(StatusCode::UNAUTHORIZED, detail)
        }
    }

    /// 403 `insufficient_scope` naming the scope needed (RFC 6750 §3.1).
    pub fn insufficient_scope(scope: &str) -> Self {
        Self {
            error: Some("insufficient_scope"),
            challenge: Some(challenge(REALM, Challenge::InsufficientScope { scope })),
            ..Self::new(
                StatusCode::FORBIDDEN,
                format!("the access token lacks the scope {scope}"),
            )
        }
    }

    /// 500 for a cause that must not reach the caller; logs it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "admin API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request failed; the cause is in the service's log",
        )
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type("application/problem+json")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(challenge) = &self.challenge {
            response.insert_header((header::WWW_AUTHENTICATE, challenge.clone()));
        }
        if let Some(allow) = self.allow {
            response.insert_header((header::ALLOW, allow));
        }
        if self.status == 503 {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS));
        }
        response.body(serde_json::to_string(self).unwrap_or_default())
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::unavailable()
            }
            StoreError::NotFound => Self::not_found("not found"),
            StoreError::Conflict => Self::conflict("it already exists"),
            other => Self::internal(&other),
        }
    }
}

impl From<UserError> for Problem {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Invalid(why) => Self::bad_request(why),
            UserError::Conflict | UserError::Busy => Self::conflict(e.to_string()),
            UserError::NotFound(_) => Self::not_found("no user has this id"),
            UserError::PreconditionFailed => Self::precondition_failed(e.to_string()),
            UserError::Password(PasswordError::Busy) => Self::unavailable(),
            UserError::Password(PasswordError::Hashing(cause)) => Self::internal(&cause),
            UserError::Password(why) => Self::bad_request(why.to_string()),
            UserError::Store(e) => e.into(),
        }
    }
}

impl From<FactorError> for Problem {
    fn from(e: FactorError) -> Self {
        match e {
            FactorError::Store(e) => e.into(),
            other => Self::internal(&anyhow::Error::from(other)),
        }
    }
}

impl From<ClientError> for Problem {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Invalid(why) => Self::bad_request(why),
            ClientError::InvalidMetadata(why) => Self::invalid_client_metadata(why),
            ClientError::Conflict(_) => Self::conflict("a client with this id already exists"),
            ClientError::NotFound(_) => Self::not_found("no client has this id"),
            ClientError::PreconditionFailed => Self::precondition_failed(e.to_string()),
            ClientError::Busy => Self::conflict(e.to_string()),
            ClientError::Store(e) => e.into(),
        }
    }
}

impl From<AdminError> for Problem {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(KeyRefusal::NoNextKey {
                safe_publication_secs,
                ..
            }) => Self::conflict(format!(
                "no key is published as next: POST /admin/v1/keys/rotate with {{}} first; the new key may sign \
                 once it has been in the JWKS for {safe_publication_secs}s"
            )),
            AdminError::Invalid(refusal) => Self::conflict(refusal.to_string()),
            e @ AdminError::PromotionUnderWay { .. } => Self::conflict(e.to_string()),
            AdminError::NotFound { .. } => Self::not_found("no key has this kid"),
            AdminError::Store(e) => e.into(),
            AdminError::Unexpected(cause) => Self::internal(&cause),
        }
    }
}
