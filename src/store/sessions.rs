//! Hosted sign-in sessions (DESIGN.md §15): rows, so that logout and revocation end them on every replica. The
//! cookie's secret is stored only as its SHA-256.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{refresh_token_families as families, sessions, users};
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::UserId;
use crate::values::secret::TokenHash;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub token_hash: TokenHash,
    pub user_id: UserId,
    /// When the user last entered their password (OIDC `auth_time`).
    pub auth_time: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_expires_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    /// The authentication methods of the sign-in (RFC 8176 values, space-separated; see `domain::mfa::amr`).
    pub amr: String,
    /// Where the session was started, approximately (`values::device::approximate_source`).
    pub source: Option<String>,
}

impl Store {
    pub async fn insert_session(&self, row: SessionRow) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(sessions::table).values(&row).execute(conn).await?;
            Ok(())
        })
    }

    /// The live session a cookie names: not revoked, not expired, its user enabled.
    pub async fn find_live_session(
        &self,
        hash: &TokenHash,
        now: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(sessions::table
                .inner_join(users::table)
                .filter(sessions::token_hash.eq(hash))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::idle_expires_at.gt(now))
                .filter(sessions::expires_at.gt(now))
                .filter(users::disabled.eq(false))
                .select(SessionRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Records use of a live session and moves its idle expiry (never past its absolute end).
    pub async fn touch_session(
        &self,
        id: &str,
        idle_expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            diesel::update(sessions::table.find(&id).filter(sessions::revoked_at.is_null()))
                .set((
                    sessions::last_seen_at.eq(now),
                    sessions::idle_expires_at.eq(idle_expires_at),
                ))
                .execute(conn)
                .await?;
            Ok(())
        })
    }

    /// Ends a session and every refresh-token family it produced.
    pub async fn revoke_session(
        &self,
        id: &str,
        reason: &'static str,
        now: i64,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            diesel::update(sessions::table.find(&id).filter(sessions::revoked_at.is_null()))
                .set((sessions::revoked_at.eq(Some(now)), sessions::revoked_reason.eq(Some(reason))))
                .execute(conn)
                .await?;
            diesel::update(
                families::table
                    .filter(families::session_id.eq(&id))
                    .filter(families::revoked_at.is_null()),
            )
            .set((families::revoked_at.eq(Some(now)), families::revoked_reason.eq(Some(reason))))
            .execute(conn)
            .await?;
            Ok(())
        })
    }
}
