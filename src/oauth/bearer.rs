//! Bearer-token access to Latchkey's own resources (`/userinfo`, self-service logout): reading the token (RFC 6750
//! §2.1, §2.2), checking it (signature, issuer, expiry, revocation) and refusing it in the shape §3 gives.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::domain::tokens::verify::{AccessClaims, verify_access_token};
use crate::state::AppState;

/// Why a bearer token was refused (RFC 6750 §3.1).
pub enum Refusal {
    /// No token at all: a challenge without an error code (§3.1).
    Missing,
    InvalidRequest(&'static str),
    InvalidToken(String),
    /// The token lacks this scope (§3.1: 403).
    InsufficientScope(&'static str),
    Unavailable,
}

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

/// The claims of `token` if it is one of our access tokens, unexpired and not revoked.
pub async fn authorize(state: &AppState, token: &str) -> Result<AccessClaims, Refusal> {
    let keys = state.keys.snapshot();
    let claims = verify_access_token(&keys, &state.tokens.issuer, token, state.clock.now())
        .map_err(|e| Refusal::InvalidToken(e.to_string()))?;
    match state.revocations.is_revoked(&claims).await {
        Ok(false) => Ok(claims),
        Ok(true) => Err(Refusal::InvalidToken(
            "the access token has been revoked".into(),
        )),
        Err(e) => {
            tracing::warn!(error = %e, "revocation check unavailable");
            Err(Refusal::Unavailable)
        }
    }
}

/// RFC 6750 §3: 401 with a `Bearer` challenge naming the error, 403 for a token without the scope, 400 for a
/// malformed request; 503 with `Retry-After` when the database is down.
pub fn refuse(refusal: &Refusal) -> HttpResponse {
    let (status, challenge, body) = match refusal {
        Refusal::Missing => (
            StatusCode::UNAUTHORIZED,
            r#"Bearer realm="latchkey""#.to_owned(),
            None,
        ),
        Refusal::InvalidRequest(why) => (
            StatusCode::BAD_REQUEST,
            format!(
                r#"Bearer realm="latchkey", error="invalid_request", error_description="{why}""#
            ),
            Some(("invalid_request", *why)),
        ),
        Refusal::InvalidToken(why) => (
            StatusCode::UNAUTHORIZED,
            format!(r#"Bearer realm="latchkey", error="invalid_token", error_description="{why}""#),
            Some(("invalid_token", why.as_str())),
        ),
        Refusal::InsufficientScope(scope) => (
            StatusCode::FORBIDDEN,
            format!(r#"Bearer realm="latchkey", error="insufficient_scope", scope="{scope}""#),
            Some((
                "insufficient_scope",
                "the access token lacks the scope this endpoint needs",
            )),
        ),
        Refusal::Unavailable => {
            return HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::RETRY_AFTER, super::http_response::RETRY_AFTER_SECS))
                .json(serde_json::json!({
                    "error": "temporarily_unavailable",
                    "error_description": "the service is temporarily unavailable",
                }));
        }
    };
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.insert_header((header::WWW_AUTHENTICATE, value));
    }
    match body {
        Some((error, description)) => response.json(serde_json::json!({
            "error": error,
            "error_description": description,
        })),
        None => response.finish(),
    }
}
