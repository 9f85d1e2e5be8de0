//! Checking one of Latchkey's own access tokens (RFC 9068 §4) against the keys it publishes and its own clock: for
//! `/userinfo`, introspection, revocation and self-service logout. Whether the token was revoked is a separate
//! question, asked of [`crate::domain::revocation::Revocations`].

use serde::{Deserialize, Serialize};

use crate::domain::signing::KeySet;

/// The claims of a verified access token, as signed.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: serde_json::Value,
    pub exp: i64,
    pub iat: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
    pub jti: String,
    pub client_id: String,
    #[serde(default)]
    pub scope: String,
    /// The refresh-token family the token was issued in (absent for grants without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

impl AccessClaims {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(' ').any(|s| s == scope)
    }

    /// Client-credentials tokens are about the client itself (RFC 9068 §2.2): no user behind them.
    pub fn is_about_a_user(&self) -> bool {
        self.sub != self.client_id
    }
}

/// Why a token is not a valid access token. The messages are fixed: they never echo the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenInvalid {
    #[error("the access token is malformed")]
    Malformed,
    /// RFC 9068 §4: only `at+jwt` (an ID token is not an access token, RFC 8725 §3.11).
    #[error("not an access token")]
    NotAnAccessToken,
    #[error("the access token's key is not published")]
    UnknownKey,
    #[error("the access token is invalid")]
    Invalid,
    #[error("the access token has expired")]
    Expired,
}

/// Verifies `token`'s signature (RS256 only, RFC 8725 §3.1), `typ`, `iss` and expiry by `now`. Any audience is
/// accepted: the issuer's own endpoints serve every audience.
pub fn verify_access_token(
    keys: &KeySet,
    issuer: &str,
    token: &str,
    now: i64,
) -> Result<AccessClaims, TokenInvalid> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenInvalid::Malformed)?;
    let typ = header.typ.as_deref().map(str::to_ascii_lowercase);
    if !matches!(typ.as_deref(), Some("at+jwt" | "application/at+jwt")) {
        return Err(TokenInvalid::NotAnAccessToken);
    }
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.verifying.get(kid))
        .ok_or(TokenInvalid::UnknownKey)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.validate_aud = false;
    // Judged below by the service's clock (which tests move), without leeway.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss", "sub", "exp"]);
    let claims = jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
        .map_err(|_| TokenInvalid::Invalid)?
        .claims;
    if claims.exp <= now {
        return Err(TokenInvalid::Expired);
    }
    Ok(claims)
}

/// What an `id_token_hint` says: whom the client believes is signed in.
#[derive(Debug, Clone, Deserialize)]
pub struct IdTokenHint {
    pub sub: String,
}

/// Checks an `id_token_hint` (OIDC Core §3.1.2.1): an ID token this issuer signed (RS256, `typ: JWT`, a published
/// key, this `iss`) for `client_id` (its `aud`). It may have expired: a hint names a past sign-in, so `exp` is not
/// judged, and the hint grants nothing by itself.
pub fn verify_id_token_hint(
    keys: &KeySet,
    issuer: &str,
    client_id: &str,
    token: &str,
) -> Result<IdTokenHint, TokenInvalid> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenInvalid::Malformed)?;
    // An access token is not an ID token (RFC 8725 §3.11).
    if header
        .typ
        .as_deref()
        .is_some_and(|t| !t.eq_ignore_ascii_case("JWT"))
    {
        return Err(TokenInvalid::Invalid);
    }
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.verifying.get(kid))
        .ok_or(TokenInvalid::UnknownKey)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss", "sub", "aud"]);
    jsonwebtoken::decode::<IdTokenHint>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(|_| TokenInvalid::Invalid)
}
