//! Second factors (issue 20): TOTP authenticators, recovery codes, and sign-ins waiting for their second factor.
//!
//! Every use of a factor is one conditional `UPDATE` (DESIGN.md §18): a TOTP time step is claimed only if it is
//! later than the last one used, a recovery code only while unused, a pending sign-in's failure counted only while
//! it is live, so two requests racing with the same code can't both pass.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::outbox::OutboxRow;
use super::schema::{
    mail_outbox, pending_sign_ins as pending, recovery_codes, sessions, totp_factors,
};
use super::{Store, StoreError, with_conn, write_tx};

/// Replaces the user's recovery codes with `$codes` (in the caller's transaction; a macro so that it compiles for
/// the connection type of either backend).
macro_rules! replace_recovery_codes {
    ($conn:expr, $user_id:expr, $codes:expr) => {{
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq($user_id)))
            .execute($conn)
            .await?;
        // One statement per code: SQLite has no DEFAULT keyword for diesel's batch insert.
        for code in &$codes {
            diesel::insert_into(recovery_codes::table)
                .values(code)
                .execute($conn)
                .await?;
        }
    }};
}
use crate::values::ids::UserId;
use crate::values::secret::TokenHash;

/// A user's TOTP authenticator; its secret sealed under the master key.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = totp_factors)]
pub struct TotpRow {
    pub user_id: UserId,
    pub secret_sealed: Vec<u8>,
    /// The id of the master key that sealed the secret.
    pub sealed_by: String,
    pub created_at: i64,
    /// `None`: enrolment started, not confirmed by a first code (not a factor yet).
    pub confirmed_at: Option<i64>,
    /// The last RFC 6238 time step a code was accepted for.
    pub last_used_step: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recovery_codes)]
pub struct RecoveryCodeRow {
    pub code_hash: TokenHash,
    pub user_id: UserId,
    pub created_at: i64,
    pub used_at: Option<i64>,
}

/// A sign-in waiting for its second factor (or for the enrolment its policy requires), bound to a browser cookie.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pending)]
pub struct PendingRow {
    pub cookie_hash: TokenHash,
    pub user_id: UserId,
    /// A step-up of this session; `None`: a new sign-in.
    pub session_id: Option<String>,
    /// When the password was entered.
    pub auth_time: i64,
    pub failed_attempts: i32,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Store {
    pub async fn find_totp(&self, user_id: &UserId) -> Result<Option<TotpRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(totp_factors::table
                .find(user_id)
                .select(TotpRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Starts (or restarts) enrolment: an unconfirmed secret, unless the user already has a confirmed one
    /// (answers `false` then: a second authenticator replaces the first only after removing it).
    pub async fn start_totp(&self, row: TotpRow) -> Result<bool, StoreError> {
        write_tx!(self, StoreError, conn => {
            let confirmed = totp_factors::table
                .find(&row.user_id)
                .filter(totp_factors::confirmed_at.is_not_null())
                .count()
                .get_result::<i64>(conn)
                .await?;
            if confirmed > 0 {
                return Ok(false);
            }
            diesel::delete(totp_factors::table.find(&row.user_id)).execute(conn).await?;
            diesel::insert_into(totp_factors::table).values(&row).execute(conn).await?;
            Ok(true)
        })
    }

    /// Claims time step `step` for the user's authenticator: only if it is later than the last one used (a code is
    /// accepted once, RFC 6238 §5.2). With `confirm`, also confirms an enrolment started at `created_at` and stores
    /// its recovery codes, replacing any earlier ones, in the same transaction.
    pub async fn claim_totp_step(
        &self,
        user_id: &UserId,
        step: i64,
        confirm: Option<Confirmation>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let user_id = user_id.clone();
        write_tx!(self, StoreError, conn => {
            let target = totp_factors::table
                .find(&user_id)
                .filter(totp_factors::last_used_step.lt(step));
            let changed = match &confirm {
                Some(confirmation) => diesel::update(
                    target
                        .filter(totp_factors::confirmed_at.is_null())
                        .filter(totp_factors::created_at.eq(confirmation.created_at)),
                )
                .set((totp_factors::last_used_step.eq(step), totp_factors::confirmed_at.eq(Some(now))))
                .execute(conn)
                .await?,
                None => diesel::update(target.filter(totp_factors::confirmed_at.is_not_null()))
                    .set(totp_factors::last_used_step.eq(step))
                    .execute(conn)
                    .await?,
            };
            if changed == 0 {
                return Ok(false);
            }
            if let Some(confirmation) = confirm {
                replace_recovery_codes!(conn, &user_id, confirmation.recovery_codes);
                diesel::insert_into(mail_outbox::table)
                    .values(&confirmation.notice)
                    .execute(conn)
                    .await?;
            }
            Ok(true)
        })
    }

    /// Replaces the user's recovery codes (regeneration), only while they have a confirmed authenticator.
    pub async fn replace_recovery_codes(
        &self,
        user_id: &UserId,
        codes: Vec<RecoveryCodeRow>,
    ) -> Result<bool, StoreError> {
        let user_id = user_id.clone();
        write_tx!(self, StoreError, conn => {
            let confirmed = totp_factors::table
                .find(&user_id)
                .filter(totp_factors::confirmed_at.is_not_null())
                .count()
                .get_result::<i64>(conn)
                .await?;
            if confirmed == 0 {
                return Ok(false);
            }
            replace_recovery_codes!(conn, &user_id, codes);
            Ok(true)
        })
    }

    /// How many unused recovery codes the user has.
    pub async fn recovery_codes_left(&self, user_id: &UserId) -> Result<i64, StoreError> {
        with_conn!(self, conn => {
            Ok(recovery_codes::table
                .filter(recovery_codes::user_id.eq(user_id))
                .filter(recovery_codes::used_at.is_null())
                .count()
                .get_result(conn)
                .await?)
        })
    }

    /// Uses a recovery code of the user's, once; queues `notice` (the mail telling them) in the same
    /// transaction. Answers whether the code was theirs and unused.
    pub async fn use_recovery_code(
        &self,
        user_id: &UserId,
        hash: TokenHash,
        notice: OutboxRow,
        now: i64,
    ) -> Result<bool, StoreError> {
        let user_id = user_id.clone();
        write_tx!(self, StoreError, conn => {
            let used = diesel::update(
                recovery_codes::table
                    .find(hash)
                    .filter(recovery_codes::user_id.eq(&user_id))
                    .filter(recovery_codes::used_at.is_null()),
            )
            .set(recovery_codes::used_at.eq(Some(now)))
            .execute(conn)
            .await?;
            if used == 0 {
                return Ok(false);
            }
            diesel::insert_into(mail_outbox::table).values(&notice).execute(conn).await?;
            Ok(true)
        })
    }

    /// Removes every second factor of the user (their authenticator and recovery codes) and every sign-in waiting
    /// for one; queues `notice` in the same transaction. Answers whether there was anything to remove.
    pub async fn remove_second_factors(
        &self,
        user_id: &UserId,
        notice: Option<OutboxRow>,
        with_passkeys: bool,
    ) -> Result<bool, StoreError> {
        let user_id = user_id.clone();
        write_tx!(self, StoreError, conn => {
            let removed = diesel::delete(totp_factors::table.find(&user_id)).execute(conn).await?;
            let codes = diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(&user_id)))
                .execute(conn)
                .await?;
            diesel::delete(pending::table.filter(pending::user_id.eq(&user_id))).execute(conn).await?;
            // An operator's reset takes the passkeys too (issue 20), in the same transaction.
            let passkeys = if with_passkeys {
                diesel::delete(
                    super::schema::passkeys::table
                        .filter(super::schema::passkeys::user_id.eq(&user_id)),
                )
                .execute(conn)
                .await?
            } else {
                0
            };
            let any = removed + codes + passkeys > 0;
            if any && let Some(notice) = notice {
                diesel::insert_into(mail_outbox::table).values(&notice).execute(conn).await?;
            }
            Ok(any)
        })
    }

    /// Records a sign-in waiting for its second factor, replacing any other of the same browser.
    pub async fn put_pending_sign_in(&self, row: PendingRow) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::delete(pending::table.find(row.cookie_hash)).execute(conn).await?;
            diesel::insert_into(pending::table).values(&row).execute(conn).await?;
            Ok(())
        })
    }

    /// The live pending sign-in of the browser whose cookie hashes to `hash`.
    pub async fn find_pending_sign_in(
        &self,
        hash: &TokenHash,
        now: i64,
    ) -> Result<Option<PendingRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(pending::table
                .find(hash)
                .filter(pending::expires_at.gt(now))
                .select(PendingRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Counts a wrong code against a pending sign-in; at `limit` failures it is ended (the password must be
    /// entered again). Answers whether it is still live.
    pub async fn fail_pending_sign_in(
        &self,
        hash: &TokenHash,
        limit: i32,
    ) -> Result<bool, StoreError> {
        let hash = *hash;
        write_tx!(self, StoreError, conn => {
            diesel::update(pending::table.find(hash))
                .set(pending::failed_attempts.eq(pending::failed_attempts + 1))
                .execute(conn)
                .await?;
            let ended = diesel::delete(
                pending::table.find(hash).filter(pending::failed_attempts.ge(limit)),
            )
            .execute(conn)
            .await?;
            Ok(ended == 0)
        })
    }

    /// Ends a pending sign-in (it succeeded, or was abandoned). Answers whether it was still there: only one request
    /// can finish it.
    pub async fn take_pending_sign_in(&self, hash: &TokenHash) -> Result<bool, StoreError> {
        let hash = *hash;
        write_tx!(self, StoreError, conn => {
            Ok(diesel::delete(pending::table.find(hash)).execute(conn).await? > 0)
        })
    }

    /// Records that a live session has now also passed a second factor (step-up): its `amr` becomes `amr`.
    pub async fn step_up_session(&self, id: &str, amr: &str) -> Result<bool, StoreError> {
        let (id, amr) = (id.to_owned(), amr.to_owned());
        write_tx!(self, StoreError, conn => {
            Ok(diesel::update(sessions::table.find(&id).filter(sessions::revoked_at.is_null()))
                .set(sessions::amr.eq(&amr))
                .execute(conn)
                .await?
                > 0)
        })
    }
}

/// What confirms an enrolment: the enrolment it names (so a restarted one is not confirmed by a code for the old
/// secret) and the recovery codes to store with it.
#[derive(Debug)]
pub struct Confirmation {
    pub created_at: i64,
    pub recovery_codes: Vec<RecoveryCodeRow>,
    /// The mail telling the user an authenticator was added, queued with the confirmation.
    pub notice: OutboxRow,
}
