//! Access tokens: JWTs in the RFC 9068 profile, signed RS256 by the active key.

use serde::Serialize;

use crate::domain::clients::Client;
use crate::domain::mfa::amr::AuthMethods;
use crate::domain::signing::SigningKey;
use crate::domain::users::User;
use crate::values::scope::Scope;

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
    /// The refresh-token family the token was issued in: revoking the family revokes the token (the revocation
    /// feed and introspection name it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub roles: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<&'a str>,
    /// How the user signed in (RFC 8176), so resource servers can require a second factor; absent for a client
    /// acting for itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<&'static str>>,
    /// The level those methods reach (OIDC Core §2 `acr`, Latchkey's values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<&'static str>,
}

/// Whom an access token is about (`sub`): a user, or for client credentials the client itself (RFC 9068 §2.2).
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub id: &'a str,
    pub roles: &'a [String],
    pub tenant: Option<&'a str>,
    /// The refresh-token family the token is issued in, if any.
    pub sid: Option<&'a str>,
    /// How the user signed in; `None` for a client.
    pub methods: Option<&'a AuthMethods>,
}

impl<'a> From<&'a User> for Subject<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            id: user.id.as_str(),
            roles: &user.roles,
            tenant: user.tenant.as_deref(),
            sid: None,
            methods: None,
        }
    }
}

impl<'a> Subject<'a> {
    /// The client itself: no roles, no tenant.
    pub fn client(client: &'a Client) -> Self {
        Self {
            id: client.id.as_str(),
            roles: &[],
            tenant: None,
            sid: None,
            methods: None,
        }
    }

    /// The same subject, in the refresh-token family `sid`.
    #[must_use]
    pub fn in_family(self, sid: Option<&'a str>) -> Self {
        Self { sid, ..self }
    }

    /// The same subject, signed in with `methods`.
    #[must_use]
    pub fn authenticated_by(self, methods: &'a AuthMethods) -> Self {
        Self {
            methods: Some(methods),
            ..self
        }
    }
}

/// A signed access token with what the issuer records about it.
#[derive(Debug)]
pub struct SignedAccessToken {
    pub token: String,
    pub jti: String,
    /// `exp`.
    pub expires_at: i64,
}

/// Signs an access token for `subject`, obtained through `client`, carrying `scope`.
pub fn sign(
    key: &SigningKey,
    settings: &TokenSettings,
    subject: Subject<'_>,
    client: &Client,
    audiences: &[String],
    scope: &Scope,
    now: i64,
) -> anyhow::Result<SignedAccessToken> {
    let aud = match audiences {
        [one] => Audience::One(one),
        many => Audience::Many(many),
    };
    let claims = AccessTokenClaims {
        iss: &settings.issuer,
        sub: subject.id,
        aud,
        exp: now + settings.access_token_ttl,
        iat: now,
        nbf: now,
        jti: settings.access_token_jti(now),
        client_id: client.id.as_str(),
        scope: scope.to_string(),
        sid: subject.sid,
        roles: subject.roles,
        tenant: subject.tenant,
        amr: subject.methods.map(AuthMethods::claim),
        acr: subject.methods.map(|m| m.acr().as_str()),
    };
    Ok(SignedAccessToken {
        token: key.sign_jwt(&claims)?,
        expires_at: claims.exp,
        jti: claims.jti,
    })
}
