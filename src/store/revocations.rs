//! The revocation log (migration 2026-12-04-000001_revocation): access tokens, refresh-token families (`sid`) and
//! users (`sub`) whose access tokens must be refused before their `exp`. It is the denylist without Redis, what
//! Redis is filled from with it, and the revocation feed. Families land here by trigger, in the transaction that
//! revokes them, whatever revoked them.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{refresh_token_families as families, revocations, sessions};
use super::types::RevocationKind;
use super::{SqliteConn, Store, StoreError, read_all, with_conn, write_tx};
use crate::values::ids::UserId;

/// Puts user `$user_id` on the log as revoked at `$now` (seconds), precisely at `$now_ms` (milliseconds: the entry
/// covers the user's access tokens issued at or before it). An older entry for the user is replaced by a new row (a
/// new `seq`), so feed readers past the old one see the later revocation.
macro_rules! upsert_user_entry {
    ($conn:expr, $user_id:expr, $now:expr, $now_ms:expr, $expires_at:expr) => {
        diesel::delete(
            revocations::table
                .filter(revocations::kind.eq(RevocationKind::User))
                .filter(revocations::value.eq($user_id)),
        )
        .execute($conn)
        .await?;
        diesel::insert_into(revocations::table)
            .values(&NewRevocation {
                kind: RevocationKind::User,
                value: $user_id.to_string(),
                revoked_at: $now,
                expires_at: $expires_at,
                revoked_at_ms: Some($now_ms),
            })
            .execute($conn)
            .await?
    };
}
pub(crate) use upsert_user_entry;

/// The longest an access token may live (`access_token_ttl`'s upper bound), and so how long a family or user entry
/// must stay in the log after the revocation (the family trigger of migration 2026-12-04-000001 uses it too).
pub const MAX_ACCESS_TOKEN_TTL: i64 = 86_400;

/// How long after `expires_at` an entry is still served by the feed and kept in the log: verifiers accept tokens a
/// little past `exp` (clock leeway), so they must still hear of a revocation that long.
pub const FEED_GRACE_SECS: i64 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = revocations)]
pub struct RevocationRow {
    /// Position in the log: rows become visible in `seq` order (see [`SerialRevocations`]).
    pub seq: i64,
    pub kind: RevocationKind,
    pub value: String,
    pub revoked_at: i64,
    /// When every token the row covers has expired: the row can go.
    pub expires_at: i64,
    /// The revocation's millisecond, when its writer recorded one (see [`RevocationRow::revoked_ms`]).
    pub revoked_at_ms: Option<i64>,
}

impl RevocationRow {
    /// The revocation's instant in milliseconds: as recorded, or else the last millisecond of `revoked_at`'s second
    /// (rows from before migration 2026-12-06-000006 or from the family trigger), so that an entry covers every
    /// token of that second rather than none of them.
    pub fn revoked_ms(&self) -> i64 {
        self.revoked_at_ms
            .unwrap_or_else(|| self.revoked_at.saturating_mul(1000).saturating_add(999))
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = revocations)]
pub struct NewRevocation {
    pub kind: RevocationKind,
    pub value: String,
    pub revoked_at: i64,
    pub expires_at: i64,
    pub revoked_at_ms: Option<i64>,
}

/// Makes writers of the log draw `seq` one at a time, so that a feed reader at cursor N never misses a row that
/// commits later with a smaller `seq`. PostgreSQL takes a transaction-scoped advisory lock (the same one the family
/// trigger takes); SQLite writes are serial already.
pub(crate) trait SerialRevocations {
    fn serialize_revocations(&mut self) -> impl Future<Output = QueryResult<()>> + Send;
}

impl SerialRevocations for AsyncPgConnection {
    async fn serialize_revocations(&mut self) -> QueryResult<()> {
        diesel::sql_query("SELECT latchkey_revocations_lock()")
            .execute(self)
            .await
            .map(drop)
    }
}

impl SerialRevocations for SqliteConn {
    async fn serialize_revocations(&mut self) -> QueryResult<()> {
        Ok(())
    }
}

/// What revoking a user everywhere ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UserRevocation {
    pub families: usize,
    pub sessions: usize,
}

impl Store {
    /// Adds `entry` to the log (an entry already there is kept as it is).
    pub async fn insert_revocation(&self, entry: NewRevocation) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            conn.serialize_revocations().await?;
            diesel::insert_into(revocations::table)
                .values(&entry)
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            Ok(())
        })
    }

    /// Ends every session and refresh-token family of `user_id` and puts the user on the log (its access tokens
    /// issued at or before `now_ms` are refused), in one transaction.
    pub async fn revoke_user_everywhere(
        &self,
        user_id: &UserId,
        reason: &'static str,
        now: i64,
        now_ms: i64,
        entry_expires_at: i64,
    ) -> Result<UserRevocation, StoreError> {
        let user_id = user_id.clone();
        write_tx!(self, StoreError, conn => {
            conn.serialize_revocations().await?;
            let sessions = diesel::update(
                sessions::table
                    .filter(sessions::user_id.eq(&user_id))
                    .filter(sessions::revoked_at.is_null()),
            )
            .set((sessions::revoked_at.eq(Some(now)), sessions::revoked_reason.eq(Some(reason))))
            .execute(conn)
            .await?;
            let families = diesel::update(
                families::table
                    .filter(families::user_id.eq(&user_id))
                    .filter(families::revoked_at.is_null()),
            )
            .set((families::revoked_at.eq(Some(now)), families::revoked_reason.eq(Some(reason))))
            .execute(conn)
            .await?;
            upsert_user_entry!(conn, &user_id, now, now_ms, entry_expires_at);
            Ok(UserRevocation { families, sessions })
        })
    }

    /// The log's entries that apply to an access token with these `jti`, `sid` and `sub`.
    pub async fn revocations_for(
        &self,
        jti: &str,
        sid: Option<&str>,
        sub: &str,
    ) -> Result<Vec<RevocationRow>, StoreError> {
        // Every introspection without Redis asks this: the hot read (see `on_reader!`).
        let (jti, sid, sub) = (jti.to_owned(), sid.map(str::to_owned), sub.to_owned());
        Ok(read_all!(
            self,
            RevocationRow,
            revocations::table
                .filter(
                    (revocations::kind
                        .eq(RevocationKind::Token)
                        .and(revocations::value.eq(&jti)))
                    .or(revocations::kind
                        .eq(RevocationKind::User)
                        .and(revocations::value.eq(&sub)))
                    .or(revocations::kind
                        .eq(RevocationKind::Family)
                        .and(revocations::value.eq(sid.as_deref().unwrap_or_default()))
                        .and(sid.is_some().into_sql::<diesel::sql_types::Bool>())),
                )
                .select(RevocationRow::as_select())
        )?)
    }

    /// Up to `limit` live entries after `cursor`, in `seq` order (the revocation feed and the Redis refill).
    pub async fn revocations_after(
        &self,
        cursor: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<RevocationRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(revocations::table
                .filter(revocations::seq.gt(cursor))
                .filter(revocations::expires_at.gt(now))
                .order(revocations::seq.asc())
                .limit(limit)
                .select(RevocationRow::as_select())
                .load(conn)
                .await?)
        })
    }
}
