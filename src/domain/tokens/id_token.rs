//! OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6): RS256 JWTs typed `JWT`, for the client (`aud` = its id).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use super::TokenSettings;
use super::identity_claims::IdentityClaims;
use crate::domain::mfa::amr::AuthMethods;
use crate::domain::signing::SigningKey;
use crate::domain::users::User;
use crate::values::scope::Scope;

/// Claims of an ID token: what identifies the sign-in, and the claims the granted `profile` and `email` scopes
/// release (as at `/userinfo`; many apps read them from the ID token alone).
#[derive(Debug, Serialize)]
pub struct IdTokenClaims<'a> {
    pub iss: &'a str,
    pub sub: &'a str,
    pub aud: &'a str,
    /// The authorized party: the client the token was issued to (OIDC Core §2).
    pub azp: &'a str,
    pub exp: i64,
    pub iat: i64,
    /// When the user last entered their password.
    pub auth_time: i64,
    /// How the user signed in (RFC 8176): `pwd`, with `otp` and `mfa` after a second factor.
    pub amr: Vec<&'static str>,
    /// The level those methods reach (`urn:latchkey:acr:pwd` or `urn:latchkey:acr:mfa`, OIDC Core §2).
    pub acr: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    /// Binds the ID token to the access token issued with it (§3.1.3.6).
    pub at_hash: String,
    #[serde(flatten)]
    pub identity: IdentityClaims,
}

/// Whom an ID token is for: the signed-in user, the client, and the scope granted to it.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub user: &'a User,
    pub client_id: &'a str,
    pub scope: &'a Scope,
}

/// What an ID token says about a sign-in, besides the tokens issued with it.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub auth_time: i64,
    pub nonce: Option<String>,
    /// The authentication methods the sign-in used.
    pub methods: AuthMethods,
}

/// Signs an ID token for `recipient`, issued with `access_token`. It lives as long as the access token: it is
/// consumed at sign-in and not meant to be refreshed or presented to APIs.
pub fn sign(
    key: &SigningKey,
    settings: &TokenSettings,
    recipient: Recipient<'_>,
    sign_in: &SignIn,
    access_token: &str,
    now: i64,
) -> anyhow::Result<String> {
    let claims = IdTokenClaims {
        iss: &settings.issuer,
        sub: recipient.user.id.as_str(),
        aud: recipient.client_id,
        azp: recipient.client_id,
        exp: now + settings.access_token_ttl,
        iat: now,
        auth_time: sign_in.auth_time,
        amr: sign_in.methods.claim(),
        acr: sign_in.methods.acr().as_str(),
        nonce: sign_in.nonce.as_deref(),
        at_hash: at_hash(access_token),
        identity: IdentityClaims::released(recipient.user, |s| recipient.scope.contains(s)),
    };
    key.sign_id_token(&claims)
}

/// `at_hash`: base64url of the left half of the SHA-256 of the access token's ASCII (RS256 → SHA-256).
pub fn at_hash(access_token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_the_sha256_in_base64url() {
        // OIDC Core §A.3's example: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" → at_hash
        // "77QmUPtjPfzWtF2AnpK9RQ".
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
