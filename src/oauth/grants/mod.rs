//! One file per grant type. Each defines its typed request (parsed from the form once, at the edge) and its rules,
//! then asks the domain: `auth::authenticate` for passwords, [`TokenIssuer`](crate::domain::tokens::issuer::TokenIssuer)
//! for the tokens.

pub mod authorization_code;
pub mod client_credentials;
pub mod password;
pub mod refresh_token;

use serde::Serialize;

use crate::domain::form::Form;
use crate::domain::oauth_error::OAuthError;
use crate::domain::tokens::issuer::Issued;
use crate::values::scope::Scope;

/// Parameters every token request may carry (RFC 6749 §2.3.1, §3.3, §4).
const COMMON_PARAMETERS: &[&str] = &["grant_type", "scope", "client_id", "client_secret"];

/// Names a parameter in an error only when it is one of ours: never echo arbitrary input.
pub fn known_parameter(name: &str) -> Option<&'static str> {
    [
        COMMON_PARAMETERS,
        authorization_code::PARAMETERS,
        client_credentials::PARAMETERS,
        password::PARAMETERS,
        refresh_token::PARAMETERS,
    ]
    .into_iter()
    .flatten()
    .copied()
    .find(|known| *known == name)
}

/// Successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: String,
}

impl From<Issued> for TokenResponse {
    fn from(issued: Issued) -> Self {
        Self {
            access_token: issued.access_token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
            refresh_token: issued.refresh_token.map(|t| t.expose().to_owned()),
            id_token: issued.id_token,
            scope: issued.scope.to_string(),
        }
    }
}

/// The `scope` parameter, parsed; absent means "what was granted" (§3.3).
pub fn scope_parameter(form: &Form) -> Result<Option<Scope>, OAuthError> {
    form.get("scope")
        .map(|text| {
            Scope::parse(text).map_err(|_| OAuthError::invalid_scope("the scope is malformed"))
        })
        .transpose()
}

/// The scope asked for, which must lie within `allowed`; none asked means all of `allowed` (§3.3).
pub fn within(requested: Option<&Scope>, allowed: &Scope) -> Result<Scope, OAuthError> {
    match requested {
        None => Ok(allowed.clone()),
        Some(scope) if scope.is_subset_of(allowed) => Ok(scope.clone()),
        Some(_) => Err(OAuthError::invalid_scope(
            "the requested scope exceeds what was granted",
        )),
    }
}

/// A required parameter (§4.3.2, §6): missing or empty is `invalid_request`.
pub fn required<'f>(form: &'f Form, name: &'static str) -> Result<&'f str, OAuthError> {
    form.get(name)
        .ok_or_else(|| OAuthError::invalid_request(format!("the {name} parameter is required")))
}
