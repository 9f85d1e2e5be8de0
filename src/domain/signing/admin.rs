//! Operator actions on signing keys: list, rotate (scheduled or at once), emergency revocation, master-key rewrap.

use serde::Serialize;

use super::keyring::{KeyState, generate_row};
use super::lifecycle::KeyPolicy;
use super::master_key::MasterKey;
use crate::domain::audit::{self, Actor};
use crate::store::signing_keys::{Revocation, SigningKeyRow};
use crate::store::{Store, StoreError};

/// Why a key operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::Conflict(what),
            other => Self::Store(other),
        }
    }
}

/// A key as `latchkey keys list` shows it. Times are UNIX seconds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyInfo {
    pub kid: String,
    pub state: String,
    pub created_at: i64,
    /// When a `next` key is scheduled to start signing.
    pub activates_at: Option<i64>,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
    /// When the key leaves (or left) the JWKS.
    pub leaves_jwks_at: Option<i64>,
    pub revoked_reason: Option<String>,
    /// When the key last signed a token (to within a minute); `None` if it never has since this was recorded.
    pub last_signed_at: Option<i64>,
    /// Live refresh-token families whose current refresh token came with an access token this key signed: the
    /// logins that still carry it (and that revoking it would end).
    pub live_refresh_families: i64,
}

impl KeyInfo {
    fn from_row(row: &SigningKeyRow, live_refresh_families: i64) -> Self {
        Self {
            kid: row.kid.clone(),
            state: row.state.as_str().to_owned(),
            created_at: row.created_at,
            activates_at: row.activate_after.filter(|_| row.state == KeyState::Next),
            activated_at: row.activated_at,
            retired_at: row.retired_at,
            leaves_jwks_at: row.revoked_at.or(row.remove_after),
            revoked_reason: row.revoked_reason.clone(),
            last_signed_at: row.last_signed_at,
            live_refresh_families,
        }
    }
}

/// Every key in the table, oldest first, with its use.
pub async fn list(store: &Store) -> Result<Vec<KeyInfo>, AdminError> {
    let live = store.live_families_by_kid(crate::store::now()).await?;
    Ok(store
        .list_signing_keys()
        .await?
        .iter()
        .map(|row| KeyInfo::from_row(row, live.get(&row.kid).copied().unwrap_or(0)))
        .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RotateOutcome {
    /// A new key is published and will sign from `activates_at`.
    Scheduled { kid: String, activates_at: i64 },
    /// A rotation was already under way.
    AlreadyScheduled { kid: String, activates_at: i64 },
    /// The published `next` key signs from now on.
    Promoted { kid: String },
}

/// Starts a rotation: publishes a `next` key that the schedule promotes after `key_publish_ahead`.
pub async fn rotate(
    store: &Store,
    master: &MasterKey,
    policy: &KeyPolicy,
    bits: u32,
    actor: &Actor,
) -> Result<RotateOutcome, AdminError> {
    let rows = store.list_signing_keys().await?;
    if let Some(next) = oldest_next(&rows) {
        return Ok(RotateOutcome::AlreadyScheduled {
            kid: next.kid.clone(),
            activates_at: policy.activation_of(next),
        });
    }
    let mut row = generate_row(master, bits, KeyState::Next, crate::store::now())
        .await
        .map_err(|e| AdminError::Unexpected(e.into()))?;
    // Counted from publication (`created_at`, stamped after the slow key generation), not from before it.
    let activates_at = row.created_at + seconds(policy.publish_ahead);
    row.activate_after = Some(activates_at);
    store.insert_signing_key(&row).await?;
    audit::record(
        store,
        actor,
        "key.rotate",
        &format!("key:{}", row.kid),
        serde_json::json!({ "activates_at": activates_at }),
        row.created_at,
    )
    .await;
    Ok(RotateOutcome::Scheduled {
        kid: row.kid,
        activates_at,
    })
}

/// Promotes the published `next` key at once, but only when it has been published long enough that every verifier
/// honouring the JWKS cache headers knows it; otherwise refuses and says when it will be safe.
pub async fn rotate_now(
    store: &Store,
    policy: &KeyPolicy,
    actor: &Actor,
    now: i64,
) -> Result<RotateOutcome, AdminError> {
    let rows = store.list_signing_keys().await?;
    let Some(next) = oldest_next(&rows) else {
        return Err(AdminError::Invalid(format!(
            "no key is published as `next`: run `latchkey keys rotate` first; the new key may sign once it has been \
             in the JWKS for {}s (JWKS max-age {}s + replica poll {}s + margin)",
            policy.safe_publication().as_secs(),
            policy.jwks_max_age.as_secs(),
            policy.poll_interval.as_secs(),
        )));
    };
    let earliest = policy.earliest_activation(next.created_at);
    if now < earliest {
        return Err(AdminError::Invalid(format!(
            "key {} has been published for {}s, but verifiers may cache the JWKS for {}s: it can sign in {}s \
             (at {earliest}); promoting it earlier could make valid tokens fail verification",
            next.kid,
            now - next.created_at,
            policy.jwks_max_age.as_secs(),
            earliest - now,
        )));
    }
    if !store
        .promote_signing_key(&next.kid, now, policy.remove_after(now))
        .await?
    {
        return Err(AdminError::Conflict(format!(
            "a promotion of key {}",
            next.kid
        )));
    }
    audit::record(
        store,
        actor,
        "key.promote",
        &format!("key:{}", next.kid),
        serde_json::json!({}),
        now,
    )
    .await;
    Ok(RotateOutcome::Promoted {
        kid: next.kid.clone(),
    })
}

/// Emergency revocation of `kid` (see [`Store::revoke_signing_key`]).
pub async fn revoke(
    store: &Store,
    master: &MasterKey,
    bits: u32,
    kid: &str,
    reason: &str,
    actor: &Actor,
) -> Result<Revocation, AdminError> {
    if reason.trim().is_empty() {
        return Err(AdminError::Invalid(
            "--reason must say why the key is revoked (it goes to the audit log)".into(),
        ));
    }
    // Generated up front (off the async workers), used only if the key was the signer and no `next` key exists.
    let fresh = generate_row(master, bits, KeyState::Active, crate::store::now())
        .await
        .map_err(|e| AdminError::Unexpected(e.into()))?;
    store
        .revoke_signing_key(kid, reason.trim(), &fresh, actor, crate::store::now())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AdminError::NotFound(format!("key {kid:?}")),
            StoreError::Conflict(msg) => AdminError::Invalid(msg),
            other => other.into(),
        })
}

/// Re-seals every key not sealed by the current master key (which must be able to open it, e.g. through
/// `master_key_previous`). Returns the kids rewrapped.
pub async fn rewrap(store: &Store, master: &MasterKey) -> Result<Vec<String>, AdminError> {
    let mut done = Vec::new();
    for row in store.list_signing_keys().await? {
        if row.master_key_id == master.id() {
            continue;
        }
        let plain = master
            .open(&row.kid, &row.master_key_id, &row.private_key_ciphertext)
            .map_err(|e| {
                AdminError::Invalid(format!(
                    "{e}; set LATCHKEY_MASTER_KEY_PREVIOUS to the key that sealed it"
                ))
            })?;
        let sealed = master
            .seal(&row.kid, &plain)
            .map_err(|e| AdminError::Unexpected(e.into()))?;
        store
            .reseal_signing_key(&row.kid, &sealed, master.id())
            .await?;
        done.push(row.kid);
    }
    Ok(done)
}

fn oldest_next(rows: &[SigningKeyRow]) -> Option<&SigningKeyRow> {
    rows.iter()
        .filter(|r| r.state == KeyState::Next)
        .min_by_key(|r| r.created_at)
}

fn seconds(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}
