//! Refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).
//!
//! The checks below answer early with the reason logged; the issuer's claim repeats every one that a concurrent
//! revocation could change, atomically (DESIGN.md §18), so a token that passes here but is revoked before the claim
//! still gets nothing.

use super::parameters::{required, scope_parameter, within};
use super::response::TokenResponse;
use crate::domain::clients::Client;
use crate::domain::form::Form;
use crate::domain::oauth_error::OAuthError;
use crate::domain::tokens::issuer::{IssueError, Rotation};
use crate::domain::users::User;
use crate::state::AppState;
use crate::values::scope::Scope;
use crate::values::secret::PlainToken;

/// Parameters of this grant besides the common ones (§6).
pub const PARAMETERS: &[&str] = &["refresh_token"];

/// One description for every unusable refresh token: which check failed is for the log, not the caller.
const INVALID: &str = "the refresh token is invalid, expired or revoked";

/// A refresh grant request, parsed.
#[derive(Debug)]
pub struct RefreshRequest {
    pub refresh_token: PlainToken,
    pub scope: Option<Scope>,
}

impl RefreshRequest {
    pub fn parse(form: &Form) -> Result<Self, OAuthError> {
        Ok(Self {
            refresh_token: PlainToken::from_presented(required(form, "refresh_token")?),
            scope: scope_parameter(form)?,
        })
    }
}

pub async fn grant(
    state: &AppState,
    client: &Client,
    request: RefreshRequest,
) -> Result<TokenResponse, OAuthError> {
    let invalid = || OAuthError::invalid_grant(INVALID);
    let presented = request.refresh_token.hash();
    let Some(found) = state.store.find_refresh_token(&presented).await? else {
        return Err(invalid());
    };
    // Counted whatever follows: what matters is that a token this kid's era issued is still in use.
    state
        .metrics
        .refresh_presented(found.token.access_token_kid.as_str());
    let family = &found.family;
    let now = state.clock.now();
    // §6: the token is bound to the client it was issued to. Another client's attempt changes nothing.
    if family.client_id != client.id {
        tracing::warn!(family = %family.id, client = %client.id, "refresh token presented by another client");
        return Err(invalid());
    }
    if family.revoked_at.is_some() {
        return Err(invalid());
    }
    if found.token.used_at.is_some() {
        // RFC 9700 §4.14.2: a rotated token used again means it leaked; revoke the family, newest token included.
        tracing::warn!(family = %family.id, "rotated refresh token reused; revoking its family");
        state
            .revocations
            .revoke_family(&family.id, "refresh token reused", now)
            .await?;
        return Err(invalid());
    }
    if now >= found.token.idle_expires_at || now >= family.expires_at {
        return Err(invalid());
    }
    if found.signing_key_revoked {
        // A replica that had not yet reloaded its key ring may have issued this token after the key was revoked:
        // the revocation covers it all the same.
        state
            .revocations
            .revoke_family(&family.id, "signing key revoked", now)
            .await?;
        return Err(invalid());
    }
    if found.user.disabled {
        state
            .revocations
            .revoke_family(&family.id, "user disabled", now)
            .await?;
        return Err(invalid());
    }
    // §6: narrower is allowed; the new refresh token keeps the originally granted scope.
    let scope = within(request.scope.as_ref(), &family.scope)?;
    // The user row came with the token (one query): its roles and tenant as they are now.
    let user = User::from_row(&found.user);
    let rotation = Rotation { presented, family };
    let issued = state
        .issuer
        .rotate(&user, client, &scope, rotation)
        .await
        .map_err(|e| match e {
            IssueError::Rejected => invalid(),
            other => other.into(),
        })?;
    Ok(issued.into())
}
