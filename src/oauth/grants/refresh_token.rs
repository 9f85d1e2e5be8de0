//! Refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).

use super::{Refresh, TokenResponse, issue, requested_scope, required};
use crate::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Form;
use crate::scope::Scope;
use crate::secret::PlainToken;
use crate::state::AppState;
use crate::users::User;

/// One description for every unusable refresh token: which check failed is for the log, not the caller.
const INVALID: &str = "the refresh token is invalid, expired or revoked";

pub async fn grant(
    state: &AppState,
    client: &Client,
    form: &Form,
) -> Result<TokenResponse, OAuthError> {
    let presented = PlainToken::from_presented(required(form, "refresh_token")?);
    let invalid = || OAuthError::invalid_grant(INVALID);
    let Some(found) = state
        .store
        .find_refresh_token(presented.hash().as_bytes())
        .await?
    else {
        return Err(invalid());
    };
    let family = &found.family;
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
            .store
            .revoke_family(&family.id, "refresh token reused")
            .await?;
        return Err(invalid());
    }
    let now = crate::store::now();
    if now >= found.token.idle_expires_at || now >= family.expires_at {
        return Err(invalid());
    }
    if found.signing_key_revoked {
        // A replica that had not yet reloaded its key ring may have issued this token after the key was revoked:
        // the revocation covers it all the same.
        state
            .store
            .revoke_family(&family.id, "signing key revoked")
            .await?;
        return Err(invalid());
    }
    if found.user.disabled {
        state
            .store
            .revoke_family(&family.id, "user disabled")
            .await?;
        return Err(invalid());
    }
    let granted = Scope::parse(&family.scope)
        .map_err(|_| crate::store::StoreError::Corrupt(format!("family {} scope", family.id)))?;
    // §6: narrower is allowed; the new refresh token keeps the originally granted scope.
    let scope = requested_scope(form, &granted)?;
    // The user row came with the token (one query): its roles and tenant as they are now.
    let user = User::from_row(&found.user)?;
    issue(
        state,
        &user,
        client,
        &scope,
        Refresh::Rotate {
            old: &presented,
            family,
        },
    )
    .await
}
