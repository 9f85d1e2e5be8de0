//! The denylist in Redis, shared by replicas: `{prefix}:revoked-ms:{kind}:{value}` holds the revocation's
//! millisecond and expires with what it covers (bounded size by construction); `{prefix}:revoked-ms:cursor` is the
//! last log `seq` copied. A Redis that lost its data (restarted: it keeps nothing on disk) has no cursor, and is
//! refilled from the log before any check trusts it.
//!
//! The namespace was `revoked:` while values were whole seconds (before migration 2026-12-06-000006). A new one
//! keeps the two releases apart during a rolling upgrade: a value in seconds read as milliseconds would cover
//! nothing. The new namespace starts without a cursor, so this release refills it from the log before it answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::coverage::covers;
use super::error::RevocationError;
use crate::domain::tokens::verify::AccessClaims;
use crate::infra::redis::SharedRedis;
use crate::store::Store;
use crate::store::types::RevocationKind;

/// Log rows copied per round trip.
const BATCH: i64 = 500;

/// Moves the cursor forward only (several replicas refill at once).
const ADVANCE_CURSOR: &str = r"
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
";

pub struct RedisDenylist {
    redis: Arc<SharedRedis>,
    clock: crate::infra::clock::SharedClock,
    /// Set by a complete refill, cleared by any failure: until then checks answer "unavailable".
    in_sync: AtomicBool,
    /// One refill at a time per process.
    refilling: tokio::sync::Mutex<()>,
    advance: redis::Script,
    cursor_key: String,
}

impl RedisDenylist {
    pub fn new(redis: Arc<SharedRedis>, clock: crate::infra::clock::SharedClock) -> Self {
        Self {
            clock,
            in_sync: AtomicBool::new(false),
            refilling: tokio::sync::Mutex::new(()),
            advance: redis::Script::new(ADVANCE_CURSOR),
            cursor_key: redis.key("revoked-ms:cursor"),
            redis,
        }
    }

    fn key(&self, kind: RevocationKind, value: &str) -> String {
        self.redis
            .key(&format!("revoked-ms:{}:{value}", kind.as_str()))
    }

    /// One round trip: the token's `jti`, `sid` and `sub` entries and the cursor. Out of sync (a Redis call failed
    /// since the last refill), the check refills first instead of waiting for the interval: a slow Redis call on a
    /// loaded host costs the checks that meet it, not two seconds of 503s.
    pub async fn is_revoked(
        &self,
        claims: &AccessClaims,
        store: &Store,
    ) -> Result<bool, RevocationError> {
        if !self.in_sync.load(Ordering::Acquire) {
            self.catch_up(store).await?;
        }
        let jti = self.key(RevocationKind::Token, &claims.jti);
        let sid = claims
            .sid
            .as_deref()
            .map_or_else(|| jti.clone(), |sid| self.key(RevocationKind::Family, sid));
        let sub = self.key(RevocationKind::User, &claims.sub);
        let values: Vec<Option<i64>> = self
            .redis
            .run(async |conn| {
                redis::cmd("MGET")
                    .arg(&jti)
                    .arg(&sid)
                    .arg(&sub)
                    .arg(&self.cursor_key)
                    .query_async(conn)
                    .await
            })
            .await
            .map_err(|e| self.lost(e))?;
        let [by_jti, by_sid, by_sub, cursor] = values[..] else {
            return Err(self.lost(anyhow::anyhow!("MGET answered {} values", values.len())));
        };
        if cursor.is_none() {
            return Err(self.lost(anyhow::anyhow!(
                "redis has no revocation cursor: it lost its data"
            )));
        }
        Ok(by_jti.is_some()
            || (claims.sid.is_some() && by_sid.is_some())
            || by_sub.is_some_and(|at| covers(RevocationKind::User, at, claims)))
    }

    fn lost(&self, error: anyhow::Error) -> RevocationError {
        if self.in_sync.swap(false, Ordering::AcqRel) {
            tracing::warn!(error = %error, "denylist unavailable: checks fail closed until redis is refilled");
        }
        RevocationError::DenylistUnavailable
    }

    /// Copies log entries after Redis' cursor into Redis (all live entries when the cursor is gone).
    pub async fn refill(&self, store: &Store) {
        let _one_at_a_time = self.refilling.lock().await;
        // A failure is logged by `lost`, and checks answer "unavailable" until a refill succeeds.
        let _ = self.copy_and_mark(store).await;
    }

    /// Refills unless a refill that finished while this one waited its turn already did: the checks that meet
    /// a denylist out of sync queue behind one refill rather than each running its own.
    async fn catch_up(&self, store: &Store) -> Result<(), RevocationError> {
        let _one_at_a_time = self.refilling.lock().await;
        if self.in_sync.load(Ordering::Acquire) {
            return Ok(());
        }
        self.copy_and_mark(store).await
    }

    async fn copy_and_mark(&self, store: &Store) -> Result<(), RevocationError> {
        match self.copy_from(store).await {
            Ok(copied) => {
                if !self.in_sync.swap(true, Ordering::AcqRel) {
                    tracing::info!(
                        copied,
                        "denylist in redis is in sync with the revocation log"
                    );
                }
                Ok(())
            }
            Err(e) => Err(self.lost(e)),
        }
    }

    async fn copy_from(&self, store: &Store) -> anyhow::Result<usize> {
        let cursor: Option<i64> = self
            .redis
            .run(async |conn| {
                redis::cmd("GET")
                    .arg(&self.cursor_key)
                    .query_async(conn)
                    .await
            })
            .await?;
        // The cursor's presence tells every replica that Redis holds the whole log up to it. Refilling a Redis that
        // lost its data, the cursor is written after the last batch only: written after the first, it would let
        // another replica trust a Redis that still lacks the later batches' entries.
        let from_empty = cursor.is_none();
        let mut cursor = cursor.unwrap_or(0);
        let mut copied = 0;
        loop {
            let now = self.clock.now();
            let rows = store.revocations_after(cursor, now, BATCH).await?;
            let last = rows.last().map_or(cursor, |row| row.seq);
            let mut pipe = redis::pipe();
            for row in &rows {
                let ttl_ms = (row.expires_at - now).max(1) * 1000;
                pipe.cmd("SET")
                    .arg(self.key(row.kind, &row.value))
                    .arg(row.revoked_ms())
                    .arg("PX")
                    .arg(ttl_ms)
                    .ignore();
            }
            let done = (rows.len() as i64) < BATCH;
            let advance = &self.advance;
            let cursor_key = &self.cursor_key;
            self.redis
                .run(async |conn| {
                    if !rows.is_empty() {
                        pipe.query_async::<()>(conn).await?;
                    }
                    if done || !from_empty {
                        advance
                            .key(cursor_key)
                            .arg(last)
                            .invoke_async::<i64>(conn)
                            .await?;
                    }
                    Ok(())
                })
                .await?;
            copied += rows.len();
            cursor = last;
            if done {
                return Ok(copied);
            }
        }
    }
}
