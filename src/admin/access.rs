//! Who may call the admin API: clients holding one of Latchkey's own access tokens, issued by the
//! `client_credentials` grant with the `latchkey:admin` scope (or `latchkey:admin:read` for reading) and the admin
//! audience, verified with `latchkey-verifier` exactly as any resource server verifies them.
//!
//! On top of what any resource server checks (signature, `typ`, `iss`, `aud`, expiry), the service checks what only
//! it knows at once: that the signing key is still published (an emergency revocation takes effect before verifier
//! caches expire) and that the token is not on the revocation list.
//!
//! Only client tokens are accepted (`sub` = `client_id`, RFC 9068 §2.2): a user's token never administers, even if
//! a client that users sign in to was given the scope by mistake.

use std::net::IpAddr;

use actix_web::HttpRequest;
use latchkey_verifier::{Verifier, VerifyError};

use super::problem::Problem;
use crate::domain::audit::Actor;
use crate::domain::tokens::verify::AccessClaims;
use crate::oauth::bearer::{Refusal, bearer_header};
use crate::state::AppState;
use crate::values::ids::ClientId;

/// Reads and changes.
pub const ADMIN_SCOPE: &str = "latchkey:admin";
/// Reads only.
pub const ADMIN_READ_SCOPE: &str = "latchkey:admin:read";

/// What a handler needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Change,
}

/// An authorised caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub address: IpAddr,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor::admin_client(&self.client_id, self.address)
    }
}

/// The admin API's audience: its access tokens' `aud` must contain it (RFC 9068 §4).
pub fn admin_audience(issuer: &str) -> String {
    format!("{issuer}/admin")
}

/// Checks the request's bearer token for `access`.
pub async fn authorize(
    req: &HttpRequest,
    state: &AppState,
    verifier: &Verifier,
    access: Access,
) -> Result<Caller, Problem> {
    let token = match bearer_header(req) {
        Ok(Some(token)) => token,
        Ok(None) => {
            return Err(Problem::unauthorized(
                None,
                "send an access token: Authorization: Bearer <token>",
            ));
        }
        // RFC 6750 §3.1: a malformed request is a 400, not a challenge.
        Err(Refusal::InvalidRequest(why)) => return Err(Problem::bad_request(why)),
        Err(_) => {
            return Err(Problem::bad_request(
                "the Authorization header is malformed",
            ));
        }
    };
    let claims = match verifier.verify(&token).await {
        Ok(claims) => claims,
        Err(e) if e.is_retryable() => {
            tracing::warn!(error = %e, "admin API: the verifier could not read the keys");
            return Err(Problem::unavailable());
        }
        Err(e) => return Err(invalid_token(&e)),
    };
    // Published now, not merely when the verifier last fetched the JWKS.
    let kid = jsonwebtoken::decode_header(&token).ok().and_then(|h| h.kid);
    if !kid.is_some_and(|kid| state.keys.snapshot().verifying.contains_key(&kid)) {
        return Err(Problem::unauthorized(
            Some("invalid_token"),
            "the access token's signing key is no longer published",
        ));
    }
    if claims.sub != claims.client_id {
        return Err(Problem::unauthorized(
            Some("invalid_token"),
            "the admin API takes client tokens (client_credentials grant), not a user's",
        ));
    }
    let own: AccessClaims = serde_json::to_value(&claims)
        .and_then(serde_json::from_value)
        .map_err(|e| Problem::internal(&e))?;
    match state.revocations.is_revoked(&own).await {
        Ok(false) => {}
        Ok(true) => {
            return Err(Problem::unauthorized(
                Some("invalid_token"),
                "the access token has been revoked",
            ));
        }
        Err(e) => {
            tracing::warn!(error = %e, "admin API: revocation check unavailable");
            return Err(Problem::unavailable());
        }
    }
    // Deleting a client, or taking the admin scope from it, ends its admin access at once (not at its tokens' exp).
    let registered = match state
        .store
        .find_client(&ClientId::new(claims.client_id.as_str()))
        .await
    {
        Ok(Some(row)) => row.scopes,
        Ok(None) => {
            return Err(Problem::unauthorized(
                Some("invalid_token"),
                "the access token's client no longer exists",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let allowed_now = |scope: &str| claims.has_scope(scope) && registered.contains(scope);
    let allowed = match access {
        Access::Read => allowed_now(ADMIN_SCOPE) || allowed_now(ADMIN_READ_SCOPE),
        Access::Change => allowed_now(ADMIN_SCOPE),
    };
    if !allowed {
        return Err(Problem::insufficient_scope(match access {
            Access::Read => ADMIN_READ_SCOPE,
            Access::Change => ADMIN_SCOPE,
        }));
    }
    Ok(Caller {
        client_id: claims.client_id,
        address: crate::http::source::source_address(req),
    })
}

fn invalid_token(e: &VerifyError) -> Problem {
    Problem::unauthorized(Some("invalid_token"), e.description())
}
