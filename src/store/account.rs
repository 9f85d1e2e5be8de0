//! What the account page reads and changes about one user: their live sessions and refresh-token families, the
//! audit records about them, a password change that keeps one session, and the deletion of the account. Each change
//! is one transaction with what it causes (revocation log entries, the notice mail).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::audit::AuditRow;
use super::outbox::OutboxRow;
use super::revocations::{NewRevocation, SerialRevocations, upsert_user_entry};
use super::schema::{
    audit_log, mail_outbox, refresh_token_families as families, revocations, sessions, users,
};
use super::sessions::SessionRow;
use super::types::RevocationKind;
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::UserId;

/// A live refresh-token family: which app holds it, since when, last used when.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = families)]
pub struct FamilySummary {
    pub id: String,
    pub client_id: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
    pub session_id: Option<String>,
}

/// A password change to make: the hash the check verified (a concurrent change wins), the new one, the session
/// that stays, and the notice to mail.
pub struct PasswordChange {
    pub user_id: UserId,
    pub verified_hash: String,
    pub new_hash: String,
    pub keep_session: String,
    pub notice: OutboxRow,
    pub now: i64,
    pub revoked_at_ms: i64,
    pub entry_expires_at: i64,
}

impl Store {
    /// The user's live hosted sessions, newest first.
    pub async fn live_sessions_of(
        &self,
        user_id: &UserId,
        now: i64,
    ) -> Result<Vec<SessionRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::idle_expires_at.gt(now))
                .filter(sessions::expires_at.gt(now))
                .order(sessions::created_at.desc())
                .select(SessionRow::as_select())
                .load(conn)
                .await?)
        })
    }

    /// The user's live refresh-token families, newest first.
    pub async fn live_families_of(
        &self,
        user_id: &UserId,
        now: i64,
    ) -> Result<Vec<FamilySummary>, StoreError> {
        with_conn!(self, conn => {
            Ok(families::table
                .filter(families::user_id.eq(user_id))
                .filter(families::revoked_at.is_null())
                .filter(families::expires_at.gt(now))
                .order(families::created_at.desc())
                .select(FamilySummary::as_select())
                .load(conn)
                .await?)
        })
    }

    /// Whether session `id` is the user's (revoked or not).
    pub async fn session_belongs_to(&self, id: &str, user_id: &UserId) -> Result<bool, StoreError> {
        with_conn!(self, conn => {
            let n: i64 = sessions::table
                .filter(sessions::id.eq(id))
                .filter(sessions::user_id.eq(user_id))
                .count()
                .get_result(conn)
                .await?;
            Ok(n == 1)
        })
    }

    /// Whether refresh-token family `id` is the user's (revoked or not).
    pub async fn family_belongs_to(&self, id: &str, user_id: &UserId) -> Result<bool, StoreError> {
        with_conn!(self, conn => {
            let n: i64 = families::table
                .filter(families::id.eq(id))
                .filter(families::user_id.eq(user_id))
                .count()
                .get_result(conn)
                .await?;
            Ok(n == 1)
        })
    }

    /// Every audit record whose subject is `subject`, oldest first.
    pub async fn audit_about(&self, subject: &str) -> Result<Vec<AuditRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(audit_log::table
                .filter(audit_log::subject.eq(subject))
                .order(audit_log::id.asc())
                .select(AuditRow::as_select())
                .load(conn)
                .await?)
        })
    }

    /// Changes a password, in one transaction: only if the hash is still the one verified; every other session
    /// and every refresh-token family of the user ends, the user's access tokens issued up to `revoked_at_ms` are
    /// refused, and the notice is queued. `false` when the password changed meanwhile (nothing was done).
    pub async fn change_password(&self, change: PasswordChange) -> Result<bool, StoreError> {
        const REASON: &str = "password changed";
        write_tx!(self, StoreError, conn => {
            conn.serialize_revocations().await?;
            let changed = diesel::update(
                users::table
                    .find(&change.user_id)
                    .filter(users::password_hash.eq(&change.verified_hash))
                    .filter(users::disabled.eq(false)),
            )
            .set((
                users::password_hash.eq(&change.new_hash),
                users::updated_at.eq(change.now),
                users::password_changed_at.eq(change.now),
            ))
            .execute(conn)
            .await?;
            if changed == 0 {
                return Ok(false);
            }
            diesel::update(
                sessions::table
                    .filter(sessions::user_id.eq(&change.user_id))
                    .filter(sessions::id.ne(&change.keep_session))
                    .filter(sessions::revoked_at.is_null()),
            )
            .set((sessions::revoked_at.eq(Some(change.now)), sessions::revoked_reason.eq(Some(REASON))))
            .execute(conn)
            .await?;
            diesel::update(
                families::table
                    .filter(families::user_id.eq(&change.user_id))
                    .filter(families::revoked_at.is_null()),
            )
            .set((families::revoked_at.eq(Some(change.now)), families::revoked_reason.eq(Some(REASON))))
            .execute(conn)
            .await?;
            upsert_user_entry!(conn, &change.user_id, change.now, change.revoked_at_ms, change.entry_expires_at);
            diesel::insert_into(mail_outbox::table).values(&change.notice).execute(conn).await?;
            Ok(true)
        })
    }

    /// Deletes an account whose password hash is still `verified_hash`, in one transaction: its sessions and
    /// families are revoked first (so the family trigger logs them), the user goes on the revocation log (its
    /// access tokens are refused until they expire), then the row goes, and with it (`ON DELETE CASCADE`) its
    /// sessions, families, codes and links. `false` when nothing was deleted.
    pub async fn delete_user_everywhere(
        &self,
        user_id: &UserId,
        verified_hash: &str,
        now: i64,
        revoked_at_ms: i64,
        entry_expires_at: i64,
    ) -> Result<bool, StoreError> {
        const REASON: &str = "account deleted";
        let (user_id, verified_hash) = (user_id.clone(), verified_hash.to_owned());
        write_tx!(self, StoreError, conn => {
            conn.serialize_revocations().await?;
            let exists: i64 = users::table
                .find(&user_id)
                .filter(users::password_hash.eq(&verified_hash))
                .count()
                .get_result(conn)
                .await?;
            if exists == 0 {
                return Ok(false);
            }
            diesel::update(
                sessions::table.filter(sessions::user_id.eq(&user_id)).filter(sessions::revoked_at.is_null()),
            )
            .set((sessions::revoked_at.eq(Some(now)), sessions::revoked_reason.eq(Some(REASON))))
            .execute(conn)
            .await?;
            diesel::update(
                families::table.filter(families::user_id.eq(&user_id)).filter(families::revoked_at.is_null()),
            )
            .set((families::revoked_at.eq(Some(now)), families::revoked_reason.eq(Some(REASON))))
            .execute(conn)
            .await?;
            upsert_user_entry!(conn, &user_id, now, revoked_at_ms, entry_expires_at);
            diesel::delete(users::table.find(&user_id)).execute(conn).await?;
            Ok(true)
        })
    }
}
