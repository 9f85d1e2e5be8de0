//! Revocation: the one place that ends refresh-token families, users' sessions and access tokens, and that answers
//! whether an access token was revoked (DESIGN.md §13, §16).
//!
//! The database's revocation log is the record (`store::revocations`): every revocation commits there first, in
//! the transaction that makes it. Without Redis the log is the denylist. With Redis the denylist lives in Redis,
//! one key per entry with a TTL equal to the remaining life of what it covers, shared by every replica; it is
//! filled from the log after each revocation and refilled by every replica on an interval, which also repairs a
//! Redis that restarted empty. A check never guesses: while Redis is unreachable, or has not been refilled since
//! it was last unreachable, a check answers "unavailable" (503) unless the refill it then runs itself succeeds, and
//! a revocation still commits to the log and reaches Redis when it returns.

mod coverage;
mod error;
mod feed;
mod redis_denylist;

use std::sync::Arc;
use std::time::Duration;

use coverage::covers;
pub use error::RevocationError;
pub use feed::{FeedEntry, FeedKey, FeedKind};
pub use redis_denylist::RedisDenylist;

use crate::domain::tokens::verify::AccessClaims;
use crate::infra::clock::SharedClock;
use crate::store::Store;
use crate::store::revocations::{NewRevocation, UserRevocation};
use crate::store::types::RevocationKind;
use crate::values::ids::{ClientId, UserId};

pub use crate::store::revocations::MAX_ACCESS_TOKEN_TTL;

/// How often each replica refills Redis from the log.
pub const REFILL_INTERVAL: Duration = Duration::from_secs(2);

/// Revokes, and tells what was revoked.
#[derive(Clone)]
pub struct Revocations {
    store: Store,
    redis: Option<Arc<RedisDenylist>>,
    /// Entries for users and families outlive every access token issued before them by this much.
    access_token_ttl: i64,
    /// Read for the millisecond of a user's revocation.
    clock: SharedClock,
    feed_key: Arc<FeedKey>,
}

impl Revocations {
    pub fn new(
        store: Store,
        redis: Option<Arc<RedisDenylist>>,
        access_token_ttl: i64,
        clock: SharedClock,
        feed_key: FeedKey,
    ) -> Self {
        Self {
            store,
            redis,
            access_token_ttl,
            clock,
            feed_key: Arc::new(feed_key),
        }
    }

    /// Which denylist answers checks: `"redis"` or `"database"`.
    pub fn backend(&self) -> &'static str {
        if self.redis.is_some() {
            "redis"
        } else {
            "database"
        }
    }

    /// Ends a refresh-token family; the access tokens issued in it go on the denylist with it (the family trigger).
    pub async fn revoke_family(
        &self,
        family_id: &str,
        reason: &'static str,
        now: i64,
    ) -> Result<(), RevocationError> {
        self.store.revoke_family(family_id, reason, now).await?;
        self.refill().await;
        Ok(())
    }

    /// Ends a hosted sign-in session and every refresh-token family it produced (logout).
    pub async fn revoke_session(
        &self,
        session_id: &str,
        reason: &'static str,
        now: i64,
    ) -> Result<(), RevocationError> {
        self.store.revoke_session(session_id, reason, now).await?;
        self.refill().await;
        Ok(())
    }

    /// Ends what `client_id` holds for the user (consent withdrawn): its unredeemed codes and its refresh-token
    /// families, whose access tokens go on the denylist with them (the family trigger). Answers the families ended.
    pub async fn end_client_access(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
        reason: &'static str,
        now: i64,
    ) -> Result<usize, RevocationError> {
        let ended = self
            .store
            .end_client_access(user_id, client_id, reason, now)
            .await?;
        self.refill().await;
        Ok(ended)
    }

    /// Puts one access token on the denylist until its `exp`.
    pub async fn revoke_access_token(
        &self,
        claims: &AccessClaims,
        now: i64,
    ) -> Result<(), RevocationError> {
        self.store
            .insert_revocation(NewRevocation {
                kind: RevocationKind::Token,
                value: claims.jti.clone(),
                revoked_at: now,
                expires_at: claims.exp,
                revoked_at_ms: Some(self.clock.now_ms().max(now.saturating_mul(1000))),
            })
            .await?;
        self.refill().await;
        Ok(())
    }

    /// Logout everywhere: ends every session and refresh-token family of the user, and refuses every access token
    /// issued to the user up to now, to the millisecond.
    pub async fn revoke_user(
        &self,
        user_id: &UserId,
        reason: &'static str,
        now: i64,
    ) -> Result<UserRevocation, RevocationError> {
        let revoked_at_ms = self.user_revocation_ms(now);
        let ended = self
            .store
            .revoke_user_everywhere(
                user_id,
                reason,
                now,
                revoked_at_ms,
                self.user_entry_expiry(revoked_at_ms),
            )
            .await?;
        self.refill().await;
        Ok(ended)
    }

    /// The millisecond a user revocation about to be written at `now` records: the clock read as late as possible
    /// (just before the transaction, after anything slow such as hashing a new password), and never before `now`'s
    /// second. Every access token signed before this reading, on this clock, is covered; with replicas, the order
    /// of instants on different hosts is as good as their clock synchronisation (README, security notes).
    pub fn user_revocation_ms(&self, now: i64) -> i64 {
        self.clock.now_ms().max(now.saturating_mul(1000))
    }

    /// When a user entry made at `revoked_at_ms` can go: every access token issued up to it has expired by then.
    pub fn user_entry_expiry(&self, revoked_at_ms: i64) -> i64 {
        revoked_at_ms.div_euclid(1000) + self.access_token_ttl.min(MAX_ACCESS_TOKEN_TTL)
    }

    /// Whether the access token with these claims was revoked: its `jti`, its family, or its user at or after the
    /// millisecond it was issued in (`coverage`).
    pub async fn is_revoked(&self, claims: &AccessClaims) -> Result<bool, RevocationError> {
        if let Some(redis) = &self.redis {
            redis.is_revoked(claims, &self.store).await
        } else {
            let rows = self
                .store
                .revocations_for(&claims.jti, claims.sid.as_deref(), &claims.sub)
                .await?;
            Ok(rows
                .iter()
                .any(|row| covers(row.kind, row.revoked_ms(), claims)))
        }
    }

    /// Entries after `cursor` that are live or expired less than `FEED_GRACE_SECS` ago, as the revocation feed
    /// publishes them (user ids hashed, `feed`).
    pub async fn feed(
        &self,
        cursor: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<FeedEntry>, RevocationError> {
        let expired_before = now - crate::store::revocations::FEED_GRACE_SECS;
        let rows = self
            .store
            .revocations_after(cursor, expired_before, limit)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| FeedEntry::publish(row, &self.feed_key))
            .collect())
    }

    /// The key the feed's user entries are hashed under (published as `sub_key`).
    pub fn feed_key(&self) -> &FeedKey {
        &self.feed_key
    }

    /// Copies what the log holds and Redis lacks into Redis (nothing to do without Redis). Failures are logged and
    /// leave checks answering "unavailable" until a refill succeeds.
    pub async fn refill(&self) {
        if let Some(redis) = &self.redis {
            redis.refill(&self.store).await;
        }
    }

    /// Refills Redis on an interval, for as long as the process runs.
    pub fn spawn_refill(&self) {
        let Some(redis) = self.redis.clone() else {
            return;
        };
        let store = self.store.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(REFILL_INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                redis.refill(&store).await;
            }
        });
    }
}
