//! One file per grant type; each turns an authenticated client and its form into a token response.

pub mod password;
pub mod refresh_token;

use serde::Serialize;

use super::error::OAuthError;
use super::form::Form;
use crate::clients::{Client, GrantType};
use crate::scope::Scope;
use crate::secret::PlainToken;
use crate::state::AppState;
use crate::store::refresh_tokens::{FamilyRow, Rotation, TokenRow};
use crate::tokens::{REFRESH_TOKEN_PREFIX, access_token};
use crate::users::User;

/// The one description for every failed login, so the response can't tell which part was wrong.
pub const BAD_CREDENTIALS: &str = "invalid username or password";

/// Successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// The scope asked for, which must lie within `allowed`; no `scope` parameter means all of `allowed` (§3.3).
pub fn requested_scope(form: &Form, allowed: &Scope) -> Result<Scope, OAuthError> {
    let Some(text) = form.get("scope") else {
        return Ok(allowed.clone());
    };
    let scope =
        Scope::parse(text).map_err(|_| OAuthError::invalid_scope("the scope is malformed"))?;
    if !scope.is_subset_of(allowed) {
        return Err(OAuthError::invalid_scope(
            "the requested scope exceeds what was granted",
        ));
    }
    Ok(scope)
}

/// A required parameter (§4.3.2, §6): missing or empty is `invalid_request`.
pub fn required<'f>(form: &'f Form, name: &'static str) -> Result<&'f str, OAuthError> {
    form.get(name)
        .ok_or_else(|| OAuthError::invalid_request(format!("the {name} parameter is required")))
}

/// How the refresh token of a response comes about.
pub enum Refresh<'a> {
    /// A login: a new family with the given granted scope.
    NewFamily { scope: &'a Scope },
    /// A rotation: `old` is retired and its successor joins `family`.
    Rotate {
        old: &'a PlainToken,
        family: &'a FamilyRow,
    },
}

/// Stores the refresh token (if the client may refresh), then signs the access token with the same key snapshot
/// whose kid the stored token records.
pub async fn issue(
    state: &AppState,
    user: &User,
    client: &Client,
    access_scope: &Scope,
    refresh: Refresh<'_>,
) -> Result<TokenResponse, OAuthError> {
    let keys = state.keys.snapshot();
    let settings = &state.tokens;
    let now = crate::store::now();
    let refresh_token = if client.allows(GrantType::RefreshToken) {
        let token = PlainToken::generate(REFRESH_TOKEN_PREFIX);
        let (family_id, family_expires) = match &refresh {
            Refresh::NewFamily { .. } => (
                uuid::Uuid::now_v7().to_string(),
                now + settings.refresh_token_max_lifetime,
            ),
            Refresh::Rotate { family, .. } => (family.id.clone(), family.expires_at),
        };
        let row = TokenRow {
            token_hash: token.hash().as_bytes().to_vec(),
            family_id: family_id.clone(),
            issued_at: now,
            idle_expires_at: (now + settings.refresh_token_idle_ttl).min(family_expires),
            used_at: None,
            access_token_kid: keys.active.kid().to_owned(),
        };
        match refresh {
            Refresh::NewFamily { scope } => {
                let family = FamilyRow {
                    id: family_id,
                    client_id: client.id.clone(),
                    user_id: user.id.clone(),
                    scope: scope.to_string(),
                    created_at: now,
                    expires_at: family_expires,
                    revoked_at: None,
                    revoked_reason: None,
                };
                state.store.create_family(&family, &row).await?;
            }
            Refresh::Rotate { old, .. } => {
                if state
                    .store
                    .rotate_refresh_token(old.hash().as_bytes(), &row, now)
                    .await?
                    == Rotation::LostRace
                {
                    tracing::warn!(family = %row.family_id, "refresh token used twice; family revoked");
                    return Err(OAuthError::invalid_grant("the refresh token is invalid"));
                }
            }
        }
        Some(token)
    } else {
        None
    };
    let access_token = access_token::sign(
        &keys.active,
        settings,
        user,
        client,
        &client.token_audiences(),
        access_scope,
        now,
    )?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: settings.access_token_ttl,
        refresh_token: refresh_token.map(|t| t.expose().to_owned()),
        scope: access_scope.to_string(),
    })
}
