//! Operator actions on signing keys: list, rotate (scheduled or at once), emergency revocation, master-key rewrap.

use serde::Serialize;

use super::keyring::{KeyState, generate_row};
use super::lifecycle::KeyPolicy;
use super::master_key::MasterKey;
use crate::domain::audit::{self, Actor};
use crate::store::signing_keys::{Revocation, SigningKeyRow};
use crate::store::{Store, StoreError};
use crate::values::ids::Kid;

/// Why a key operation was refused. The texts say what is wrong in the terms of the key lifecycle; each surface
/// adds how to act on it in its own terms (a CLI command, an API call).
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request can't be honoured in the key table's present state.
    #[error(transparent)]
    Invalid(KeyRefusal),
    /// Another replica or operator is promoting this key right now.
    #[error("a promotion of key {kid} is under way")]
    PromotionUnderWay { kid: String },
    #[error("key {kid:?} not found")]
    NotFound { kid: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What in the key table refuses an operation.
#[derive(Debug, thiserror::Error)]
pub enum KeyRefusal {
    /// `rotate --now` needs a published `next` key; a new one may sign after `safe_publication_secs`.
    #[error(
        "no key is published as `next`: start a rotation first; the new key may sign once it has been in the JWKS \
         for {safe_publication_secs}s (JWKS max-age {jwks_max_age_secs}s + replica poll {poll_secs}s + margin)"
    )]
    NoNextKey {
        safe_publication_secs: u64,
        jwks_max_age_secs: u64,
        poll_secs: u64,
    },
    /// The `next` key hasn't been published long enough for every verifier's cache to know it.
    #[error(
        "key {kid} has been published for {published_for}s, but verifiers may cache the JWKS for \
         {jwks_max_age_secs}s: it can sign in {wait}s (at {earliest}); promoting it earlier could make valid \
         tokens fail verification"
    )]
    TooEarly {
        kid: String,
        published_for: i64,
        jwks_max_age_secs: u64,
        wait: i64,
        earliest: i64,
    },
    #[error("key {kid} is already revoked")]
    AlreadyRevoked { kid: String },
    /// An emergency revocation must say why (it goes to the audit log).
    #[error("the reason must say why the key is revoked (it goes to the audit log)")]
    NoReason,
    /// A key sealed under a master key this process doesn't hold.
    #[error("key {kid} is sealed by a master key this process can't open: {cause}")]
    SealedByUnknownMasterKey { kid: String, cause: String },
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
            kid: row.kid.to_string(),
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
pub async fn list(store: &Store, now: i64) -> Result<Vec<KeyInfo>, AdminError> {
    let live = store.live_families_by_kid(now).await?;
    Ok(store
        .list_signing_keys()
        .await?
        .iter()
        .map(|row| KeyInfo::from_row(row, live.get(row.kid.as_str()).copied().unwrap_or(0)))
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
    now: i64,
) -> Result<RotateOutcome, AdminError> {
    let rows = store.list_signing_keys().await?;
    if let Some(next) = oldest_next(&rows) {
        return Ok(RotateOutcome::AlreadyScheduled {
            kid: next.kid.to_string(),
            activates_at: policy.activation_of(next),
        });
    }
    let mut row = generate_row(master, bits, KeyState::Next, now)
        .await
        .map_err(|e| AdminError::Unexpected(e.into()))?;
    let activates_at = row.created_at + seconds(policy.publish_ahead);
    row.activate_after = Some(activates_at);
    store.insert_signing_key(&row).await?;
    audit::record(
        store,
        actor,
        audit::AuditAction::KeyRotate,
        &format!("key:{}", row.kid),
        serde_json::json!({ "activates_at": activates_at }),
        row.created_at,
    )
    .await;
    Ok(RotateOutcome::Scheduled {
        kid: row.kid.into_string(),
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
        return Err(AdminError::Invalid(KeyRefusal::NoNextKey {
            safe_publication_secs: policy.safe_publication().as_secs(),
            jwks_max_age_secs: policy.jwks_max_age.as_secs(),
            poll_secs: policy.poll_interval.as_secs(),
        }));
    };
    let earliest = policy.earliest_activation(next.created_at);
    if now < earliest {
        return Err(AdminError::Invalid(KeyRefusal::TooEarly {
            kid: next.kid.to_string(),
            published_for: now - next.created_at,
            jwks_max_age_secs: policy.jwks_max_age.as_secs(),
            wait: earliest - now,
            earliest,
        }));
    }
    if !store
        .promote_signing_key(&next.kid, now, policy.remove_after(now))
        .await?
    {
        return Err(AdminError::PromotionUnderWay {
            kid: next.kid.to_string(),
        });
    }
    audit::record(
        store,
        actor,
        audit::AuditAction::KeyPromote,
        &format!("key:{}", next.kid),
        serde_json::json!({}),
        now,
    )
    .await;
    Ok(RotateOutcome::Promoted {
        kid: next.kid.to_string(),
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
    now: i64,
) -> Result<Revocation, AdminError> {
    if reason.trim().is_empty() {
        return Err(AdminError::Invalid(KeyRefusal::NoReason));
    }
    // Generated up front (off the async workers), used only if the key was the signer and no `next` key exists.
    let fresh = generate_row(master, bits, KeyState::Active, now)
        .await
        .map_err(|e| AdminError::Unexpected(e.into()))?;
    store
        .revoke_signing_key(&Kid::new(kid), reason.trim(), &fresh, actor, now)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AdminError::NotFound {
                kid: kid.to_owned(),
            },
            StoreError::Conflict => AdminError::Invalid(KeyRefusal::AlreadyRevoked {
                kid: kid.to_owned(),
            }),
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
            .open(
                row.kid.as_str(),
                &row.master_key_id,
                &row.private_key_ciphertext,
            )
            .map_err(|e| {
                AdminError::Invalid(KeyRefusal::SealedByUnknownMasterKey {
                    kid: row.kid.to_string(),
                    cause: e.to_string(),
                })
            })?;
        let sealed = master
            .seal(row.kid.as_str(), &plain)
            .map_err(|e| AdminError::Unexpected(e.into()))?;
        store
            .reseal_signing_key(&row.kid, &sealed, master.id())
            .await?;
        done.push(row.kid.into_string());
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
