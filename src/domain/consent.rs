//! Consent to third-party clients (OIDC Core §3.1.2.4): a client the operator marked third-party gets the user's
//! consent before its first code, remembered per user and client with the scopes granted, asked again for scopes
//! not granted yet (or always, with `prompt=consent`), and withdrawn on the account page, which also ends what the
//! client holds for the user. First-party clients (the operator's own apps) never ask.

use crate::domain::audit::{self, Actor, AuditAction};
use crate::domain::clients::{Client, ClientDisplay};
use crate::domain::revocation::{RevocationError, Revocations};
use crate::infra::metrics::Metrics;
use crate::store::{Store, StoreError};
use crate::values::ids::{ClientId, UserId};
use crate::values::scope::Scope;

/// Why a consent change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// The user has no consent to this client (or the client is gone).
    #[error("no consent of this user to this client")]
    NotFound,
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the consent page must ask, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentNeed {
    /// A first-party client, or one the user already allowed everything requested.
    Granted,
    /// Ask for these scopes (those not granted yet; all requested ones when forced). May be empty: a client asking
    /// no scope still learns who the user is.
    Ask(Scope),
}

/// What `client` needs before a code for `requested` is issued to `user_id`. `forced`: `prompt=consent` (OIDC Core
/// §3.1.2.1: ask even when consent was given before).
pub async fn need(
    store: &Store,
    client: &Client,
    user_id: &UserId,
    requested: &Scope,
    forced: bool,
) -> Result<ConsentNeed, StoreError> {
    if client.first_party {
        return Ok(ConsentNeed::Granted);
    }
    let granted = store.find_consent(user_id, &client.id).await?;
    Ok(match granted {
        Some(row) if !forced && requested.is_subset_of(&row.scope) => ConsentNeed::Granted,
        Some(row) if !forced => ConsentNeed::Ask(difference(requested, &row.scope)),
        _ => ConsentNeed::Ask(requested.clone()),
    })
}

fn difference(requested: &Scope, granted: &Scope) -> Scope {
    Scope::from_tokens(requested.iter().filter(|s| !granted.contains(s))).unwrap_or_default()
}

/// Records that the user allowed `client` the `scope` (added to what was granted before), audited as
/// `consent.grant`.
pub async fn grant(
    store: &Store,
    metrics: &Metrics,
    actor: &Actor,
    user_id: &UserId,
    client: &Client,
    scope: &Scope,
    now: i64,
) -> Result<(), StoreError> {
    let all = store.grant_consent(user_id, &client.id, scope, now).await?;
    metrics.consent("granted");
    audit::record(
        store,
        actor,
        AuditAction::ConsentGrant,
        &format!("user:{user_id}"),
        serde_json::json!({
            "client_id": client.id,
            "scope": scope.to_string(),
            "granted": all.to_string(),
        }),
        now,
    )
    .await;
    Ok(())
}

/// The user said no on the consent page (counted; nothing is stored, the next request asks again).
pub fn denied(metrics: &Metrics) {
    metrics.consent("denied");
}

/// One consent as the account page shows it.
#[derive(Debug, Clone)]
pub struct Connected {
    pub client_id: ClientId,
    pub display: ClientDisplay,
    pub scope: Scope,
    pub granted_at: i64,
    pub updated_at: i64,
}

impl Connected {
    /// The client's name, or its id when it has none.
    pub fn name(&self) -> &str {
        self.display
            .client_name
            .as_deref()
            .unwrap_or(self.client_id.as_str())
    }
}

/// The third-party clients the user allowed, most recently allowed first.
pub async fn connected(store: &Store, user_id: &UserId) -> Result<Vec<Connected>, StoreError> {
    Ok(store
        .consents_of(user_id)
        .await?
        .into_iter()
        .map(|(row, display)| Connected {
            display: ClientDisplay::from_stored(&display).unwrap_or_default(),
            client_id: row.client_id,
            scope: row.scope,
            granted_at: row.granted_at,
            updated_at: row.updated_at,
        })
        .collect())
}

/// Withdraws the user's consent to `client_id` and ends what the client holds for the user, through the one
/// revocation path (codes, refresh-token families, their access tokens); audited as `consent.revoke`. The consent
/// goes first, so that no new code can be issued on its strength meanwhile.
pub async fn revoke(
    store: &Store,
    revocations: &Revocations,
    metrics: &Metrics,
    actor: &Actor,
    user_id: &UserId,
    client_id: &ClientId,
    now: i64,
) -> Result<(), ConsentError> {
    if !store.delete_consent(user_id, client_id).await? {
        return Err(ConsentError::NotFound);
    }
    let families = revocations
        .end_client_access(user_id, client_id, "consent withdrawn", now)
        .await?;
    metrics.consent("revoked");
    audit::record(
        store,
        actor,
        AuditAction::ConsentRevoke,
        &format!("user:{user_id}"),
        serde_json::json!({
            "client_id": client_id,
            "refresh_token_families": families,
        }),
        now,
    )
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scopes_not_granted_yet_are_asked_again() {
        let scope = |s: &str| Scope::parse(s).unwrap();
        assert_eq!(
            difference(&scope("openid email orders:read"), &scope("openid email")),
            scope("orders:read")
        );
        assert!(difference(&scope("openid"), &scope("openid email")).is_empty());
    }
}
