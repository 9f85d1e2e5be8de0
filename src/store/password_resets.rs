//! Password-reset requests (handled off the request path), tokens (stored as SHA-256 only) and the changes a reset
//! makes, each in one transaction with the mail it causes (DESIGN.md §17).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::outbox::OutboxRow;
use super::revocations::{
    MAX_ACCESS_TOKEN_TTL, NewRevocation, SerialRevocations, upsert_user_entry,
};
use super::schema::{
    mail_outbox, password_reset_requests as requests, password_reset_tokens as resets,
    refresh_token_families as families, revocations, sessions, users,
};
use super::types::RevocationKind;
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::UserId;
use crate::values::secret::TokenHash;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = resets)]
pub struct ResetRow {
    pub token_hash: TokenHash,
    pub user_id: UserId,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// A forgot-password request waiting to be handled: the address as typed (normalised), nothing looked up yet.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
pub struct ResetRequestRow {
    /// A UUIDv7: requests are handled in the order they came.
    pub id: String,
    pub email: String,
    pub created_at: i64,
    /// The authorization request the forgot page carried (a checked query string), for the mailed link.
    pub return_to: Option<String>,
    /// The language of the page that asked (the mail speaks it); `None`: the default.
    pub locale: Option<String>,
}

impl Store {
    /// Queues a forgot-password request: one insert, whatever the address.
    pub async fn queue_reset_request(&self, request: ResetRequestRow) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(requests::table).values(&request).execute(conn).await?;
            Ok(())
        })
    }

    /// Up to `limit` waiting requests, oldest first.
    pub async fn waiting_reset_requests(
        &self,
        limit: i64,
    ) -> Result<Vec<ResetRequestRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(requests::table
                .order(requests::id.asc())
                .limit(limit)
                .select(ResetRequestRow::as_select())
                .load(conn)
                .await?)
        })
    }

    /// How many requests wait (for operators and tests).
    pub async fn reset_requests_waiting(&self) -> Result<i64, StoreError> {
        with_conn!(self, conn => {
            Ok(requests::table.count().get_result(conn).await?)
        })
    }

    /// A request that leads to no mail (no such account, or its mail limit reached) is done.
    pub async fn drop_reset_request(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            diesel::delete(requests::table.find(&id)).execute(conn).await?;
            Ok(())
        })
    }

    /// Handles the request `request_id` by storing `token` and queueing `mail`, all at once; `false` (and nothing
    /// stored) when the request is gone: another replica handled it. Earlier links of the user keep working until
    /// one of them is used or they expire.
    pub async fn start_password_reset(
        &self,
        request_id: &str,
        token: ResetRow,
        mail: OutboxRow,
    ) -> Result<bool, StoreError> {
        let request_id = request_id.to_owned();
        write_tx!(self, StoreError, conn => {
            let claimed = diesel::delete(requests::table.find(&request_id)).execute(conn).await?;
            if claimed == 0 {
                return Ok(false);
            }
            diesel::insert_into(resets::table).values(&token).execute(conn).await?;
            diesel::insert_into(mail_outbox::table).values(&mail).execute(conn).await?;
            Ok(true)
        })
    }

    /// A token that can still be used: unused, unexpired, its user enabled.
    pub async fn find_usable_reset(
        &self,
        hash: &TokenHash,
        now: i64,
    ) -> Result<Option<(ResetRow, String)>, StoreError> {
        with_conn!(self, conn => {
            Ok(resets::table
                .inner_join(users::table)
                .filter(resets::token_hash.eq(hash))
                .filter(resets::used_at.is_null())
                .filter(resets::expires_at.gt(now))
                .filter(users::disabled.eq(false))
                .select((ResetRow::as_select(), users::email))
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Uses a reset token exactly once (DESIGN.md §18: conditional on it being unused, unexpired and its user
    /// enabled) to set `password_hash`; in the same transaction every other reset token of the user stops
    /// working, every session and refresh-token family of the user is revoked, its access tokens issued at or
    /// before `revoked_at_ms` are put on the log, and `notice` is queued. `false` when the token could not be used.
    pub async fn complete_password_reset(
        &self,
        hash: TokenHash,
        user_id: &UserId,
        password_hash: String,
        notice: OutboxRow,
        now: i64,
        revoked_at_ms: i64,
    ) -> Result<bool, StoreError> {
        let user_id = user_id.to_owned();
        write_tx!(self, StoreError, conn => {
            conn.serialize_revocations().await?;
            // Correlated on the reset's user (a primary-key lookup), not a list of every enabled user.
            let live_user = users::table
                .filter(users::id.eq(resets::user_id))
                .filter(users::disabled.eq(false));
            let claimed = diesel::update(
                resets::table
                    .find(hash)
                    .filter(resets::user_id.eq(&user_id))
                    .filter(resets::used_at.is_null())
                    .filter(resets::expires_at.gt(now))
                    .filter(diesel::dsl::exists(live_user)),
            )
            .set(resets::used_at.eq(Some(now)))
            .execute(conn)
            .await?;
            if claimed == 0 {
                return Ok(false);
            }
            diesel::update(users::table.find(&user_id))
                .set((
                    users::password_hash.eq(&password_hash),
                    users::updated_at.eq(now),
                    users::password_changed_at.eq(now),
                ))
                .execute(conn)
                .await?;
            diesel::update(
                resets::table.filter(resets::user_id.eq(&user_id)).filter(resets::used_at.is_null()),
            )
            .set(resets::used_at.eq(Some(now)))
            .execute(conn)
            .await?;
            diesel::update(
                sessions::table.filter(sessions::user_id.eq(&user_id)).filter(sessions::revoked_at.is_null()),
            )
            .set((sessions::revoked_at.eq(Some(now)), sessions::revoked_reason.eq(Some("password reset"))))
            .execute(conn)
            .await?;
            diesel::update(
                families::table.filter(families::user_id.eq(&user_id)).filter(families::revoked_at.is_null()),
            )
            .set((families::revoked_at.eq(Some(now)), families::revoked_reason.eq(Some("password reset"))))
            .execute(conn)
            .await?;
            upsert_user_entry!(conn, &user_id, now, revoked_at_ms, now + MAX_ACCESS_TOKEN_TTL);
            diesel::insert_into(mail_outbox::table).values(&notice).execute(conn).await?;
            Ok(true)
        })
    }
}
