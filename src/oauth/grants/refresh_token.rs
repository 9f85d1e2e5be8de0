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
use crate::store::refresh_tokens::PresentedToken;
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

/// Judges `found`, what the store holds for `request.refresh_token` (read with the client, see `token_endpoint`),
/// and rotates it.
pub async fn grant(
    state: &AppState,
    client: &Client,
    request: RefreshRequest,
    found: Option<PresentedToken>,
) -> Result<TokenResponse, OAuthError> {
    let invalid = || OAuthError::invalid_grant(INVALID);
    let Some(found) = found else {
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
    // RFC 9700 §4.14.2: a rotated token used again means it leaked; revoke the family, newest token included.
    // Within `refresh_reuse_grace` of the rotation it may instead be the same app asking twice at once (two tabs,
    // two threads, a retry): the issuer's claim fails and the store hands out the same successor if it is still
    // the family's live token, or revokes the family if not.
    if let Some(used_at) = found.token.used_at
        && now - used_at >= state.tokens.refresh_reuse_grace
    {
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
    // §6: narrower is allowed; the new refresh token keeps the originally granted scope. What the client may no
    // longer have (an operator narrowed its scopes since the login) is left out: a refresh never mints a scope the
    // client has lost, and asking for one is invalid_scope. Widening the client again brings back what the login
    // was granted, never more.
    let still_granted = family.scope.intersection(&client.grantable_scope());
    if still_granted.is_empty() && !family.scope.is_empty() {
        return Err(OAuthError::invalid_scope(
            "the client may no longer have any of the scopes this login was granted",
        ));
    }
    let scope = within(request.scope.as_ref(), &still_granted)?;
    // The user row came with the token (one query): its roles and tenant as they are now.
    let user = User::from_row(&found.user);
    let rotation = Rotation {
        presented: &request.refresh_token,
        family,
    };
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
