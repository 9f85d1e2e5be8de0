//! Access tokens: JWTs in the RFC 9068 profile, signed RS256 by the active key.

use serde::Serialize;

use crate::clients::Client;
use crate::scope::Scope;
use crate::signing::SigningKey;
use crate::users::User;

use super::TokenSettings;

/// `aud` is a string for one audience and an array for several (RFC 7519 §4.1.3).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Audience<'a> {
    One(&'a str),
    Many(&'a [String]),
}

/// Claims of an access token (RFC 9068 §2.2). Nothing secret goes in: anyone holding the token can read them.
#[derive(Debug, Serialize)]
pub struct AccessTokenClaims<'a> {
    pub iss: &'a str,
    pub sub: &'a str,
    pub aud: Audience<'a>,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub client_id: &'a str,
    pub scope: String,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub roles: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<&'a str>,
}

/// Signs an access token for `user`, obtained through `client`, carrying `scope`.
pub fn sign(
    key: &SigningKey,
    settings: &TokenSettings,
    user: &User,
    client: &Client,
    audiences: &[String],
    scope: &Scope,
    now: i64,
) -> anyhow::Result<String> {
    let aud = match audiences {
        [one] => Audience::One(one),
        many => Audience::Many(many),
    };
    let claims = AccessTokenClaims {
        iss: &settings.issuer,
        sub: &user.id,
        aud,
        exp: now + settings.access_token_ttl,
        iat: now,
        nbf: now,
        jti: uuid::Uuid::new_v4().to_string(),
        client_id: &client.id,
        scope: scope.to_string(),
        roles: &user.roles,
        tenant: user.tenant.as_deref(),
    };
    key.sign_jwt(&claims)
}
