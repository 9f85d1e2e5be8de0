//! Resource owner password credentials grant (RFC 6749 §4.3). For first-party confidential clients only: RFC 9700
//! §2.4 says it MUST NOT be used and the authorization code flow replaces it; operators opt in per client.

use super::{BAD_CREDENTIALS, Refresh, TokenResponse, issue, requested_scope, required};
use crate::clients::Client;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Form;
use crate::passwords::Password;
use crate::state::AppState;
use crate::users::User;

pub async fn grant(
    state: &AppState,
    client: &Client,
    form: &Form,
) -> Result<TokenResponse, OAuthError> {
    let login = required(form, "username")?;
    // Rejected before hashing: a megabyte password must not cost a megabyte of argon2 input.
    let password = Password::presented(required(form, "password")?)?;
    let scope = requested_scope(form, &client.scope)?;

    let row = state.store.find_user_by_login(login).await?;
    // Unknown users are verified against a dummy hash: same work, same answer, no enumeration by timing.
    let verified = state
        .hasher
        .verify(&password, row.as_ref().map(|r| r.password_hash.as_str()))
        .await?;
    let row = match row {
        Some(row) if verified.matches && !row.disabled => row,
        _ => return Err(OAuthError::invalid_grant(BAD_CREDENTIALS)),
    };
    if verified.needs_rehash {
        rehash(state, &row.id, &row.password_hash, &password).await;
    }
    let user = User::from_row(&row)?;
    issue(
        state,
        &user,
        client,
        &scope,
        Refresh::NewFamily { scope: &scope },
    )
    .await
}

/// Upgrades a hash made with old parameters; a failure only postpones the upgrade to the next login.
async fn rehash(state: &AppState, user_id: &str, old_hash: &str, password: &Password) {
    let result = match state.hasher.hash(password).await {
        Ok(new_hash) => state
            .store
            .replace_password_hash(user_id, old_hash, &new_hash)
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => tracing::info!(user = %user_id, "password rehashed with the current parameters"),
        Err(e) => tracing::warn!(user = %user_id, error = %e, "password rehash failed"),
    }
}
