//! Bearer-token access to Latchkey's own resources (`/userinfo`, self-service logout): reading the token (RFC 6750
//! §2.1, §2.2), checking it (signature, issuer, expiry, revocation) and refusing it in the shape §3 gives.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;

use crate::domain::tokens::verify::{AccessClaims, verify_access_token};
use crate::http::bearer::{Challenge, challenge};
pub use crate::http::bearer::{Refusal, bearer_header};
use crate::http::retry_after::RETRY_AFTER_SECS;
use crate::state::AppState;

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
    let (status, challenge_of, body) = match refusal {
        Refusal::Missing => (StatusCode::UNAUTHORIZED, Challenge::Realm, None),
        Refusal::InvalidRequest(why) => (
            StatusCode::BAD_REQUEST,
            Challenge::Error {
                error: "invalid_request",
                description: why,
            },
            Some(("invalid_request", *why)),
        ),
        Refusal::InvalidToken(why) => (
            StatusCode::UNAUTHORIZED,
            Challenge::Error {
                error: "invalid_token",
                description: why,
            },
            Some(("invalid_token", why.as_str())),
        ),
        Refusal::InsufficientScope(scope) => (
            StatusCode::FORBIDDEN,
            Challenge::InsufficientScope { scope },
            Some((
                "insufficient_scope",
                "the access token lacks the scope this endpoint needs",
            )),
        ),
        Refusal::Unavailable => {
            return HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS))
                .json(serde_json::json!({
                    "error": "temporarily_unavailable",
                    "error_description": "the service is temporarily unavailable",
                }));
        }
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::WWW_AUTHENTICATE, challenge(REALM, challenge_of)));
    match body {
        Some((error, description)) => response.json(serde_json::json!({
            "error": error,
            "error_description": description,
        })),
        None => response.finish(),
    }
}

/// The realm of Latchkey's own bearer-protected resources.
const REALM: &str = "latchkey";
