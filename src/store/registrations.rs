//! Self-service registration: requests handled off the request path (migration 2026-12-06-000010), the accounts
//! they create and the email verification links (stored as SHA-256 only), each change in one transaction with the
//! mail it causes (DESIGN.md §17).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::outbox::OutboxRow;
use super::schema::{
    email_verifications as verifications, mail_outbox, password_reset_tokens,
    registration_requests as requests, users,
};
use super::users::NewUserRow;
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::UserId;
use crate::values::secret::TokenHash;

/// A registration, or a request for a new verification link, waiting to be handled: the address as typed
/// (normalised), nothing looked up yet.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
pub struct RegistrationRequestRow {
    /// A UUIDv7: requests are handled in the order they came.
    pub id: String,
    /// [`KIND_REGISTER`] or [`KIND_RESEND`].
    pub kind: String,
    pub email: String,
    /// The new account's password hash (registrations only).
    pub password_hash: Option<String>,
    /// The authorization request (query string) to return to once verified.
    pub return_to: Option<String>,
    pub created_at: i64,
    /// The language of the page that asked (the mail speaks it); `None`: the default.
    pub locale: Option<String>,
}

pub const KIND_REGISTER: &str = "register";
pub const KIND_RESEND: &str = "resend";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = verifications)]
pub struct VerificationRow {
    pub token_hash: TokenHash,
    pub user_id: UserId,
    /// The address the link proves.
    pub email: String,
    pub return_to: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// Set on a link that changes the user's address from this one to `email`.
    pub previous_email: Option<String>,
}

impl Store {
    /// Queues a registration or resend request: one insert, whatever the address.
    pub async fn queue_registration_request(
        &self,
        request: RegistrationRequestRow,
    ) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(requests::table).values(&request).execute(conn).await?;
            Ok(())
        })
    }

    /// Up to `limit` waiting requests, oldest first.
    pub async fn waiting_registration_requests(
        &self,
        limit: i64,
    ) -> Result<Vec<RegistrationRequestRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(requests::table
                .order(requests::id.asc())
                .limit(limit)
                .select(RegistrationRequestRow::as_select())
                .load(conn)
                .await?)
        })
    }

    /// How many requests wait (for operators and tests).
    pub async fn registration_requests_waiting(&self) -> Result<i64, StoreError> {
        with_conn!(self, conn => {
            Ok(requests::table.count().get_result(conn).await?)
        })
    }

    /// A request that leads to nothing (no such account, a limit reached) is done.
    pub async fn drop_registration_request(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            diesel::delete(requests::table.find(&id)).execute(conn).await?;
            Ok(())
        })
    }

    /// Handles request `request_id`: creates `user` (when given: a new registration), stores `link` and queues
    /// `mail`, all at once. `false` (and nothing stored) when the request is gone (another replica handled it) or
    /// the address was taken meanwhile.
    pub async fn complete_registration_request(
        &self,
        request_id: &str,
        user: Option<NewUserRow>,
        link: Option<VerificationRow>,
        mail: OutboxRow,
    ) -> Result<bool, StoreError> {
        let id = request_id.to_owned();
        let result = write_tx!(self, StoreError, conn => {
            let claimed = diesel::delete(requests::table.find(&id)).execute(conn).await?;
            if claimed == 0 {
                return Ok(false);
            }
            if let Some(user) = &user {
                diesel::insert_into(users::table).values(user).execute(conn).await?;
            }
            if let Some(link) = &link {
                diesel::insert_into(verifications::table).values(link).execute(conn).await?;
            }
            diesel::insert_into(mail_outbox::table).values(&mail).execute(conn).await?;
            Ok(true)
        });
        match result {
            // Registered meanwhile through another request or replica: this request is answered by that one.
            Err(StoreError::Conflict) => {
                self.drop_registration_request(request_id).await?;
                Ok(false)
            }
            other => other,
        }
    }

    /// A verification link that can still be used: unused, unexpired, its user enabled and still at the address
    /// the link was sent to. With the user's id.
    pub async fn find_usable_verification(
        &self,
        hash: &TokenHash,
        now: i64,
    ) -> Result<Option<VerificationRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(verifications::table
                .inner_join(users::table)
                .filter(verifications::token_hash.eq(hash))
                .filter(verifications::used_at.is_null())
                .filter(verifications::expires_at.gt(now))
                .filter(users::disabled.eq(false))
                .filter(still_at_start())
                .select(VerificationRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Uses a verification link exactly once (DESIGN.md §18: conditional on it being unused, unexpired, its user
    /// enabled and still at the address the link starts from) and marks the address verified; every other link of
    /// the user ends with it. A change link also moves the user to its address, mails `notice` (to the old
    /// address) and ends the user's unused password reset links (they went to the old address). `None` when the
    /// link could not be used.
    pub async fn use_verification(
        &self,
        hash: TokenHash,
        notice: Option<OutboxRow>,
        now: i64,
    ) -> Result<Option<UsedVerification>, StoreError> {
        write_tx!(self, StoreError, conn => {
            let Some(link) = verifications::table
                .find(hash)
                .select(VerificationRow::as_select())
                .get_result(conn)
                .await
                .optional()?
            else {
                return Ok(None);
            };
            let live_user = users::table
                .filter(users::id.eq(verifications::user_id))
                .filter(users::disabled.eq(false))
                .filter(still_at_start());
            let claimed = diesel::update(
                verifications::table
                    .find(hash)
                    .filter(verifications::used_at.is_null())
                    .filter(verifications::expires_at.gt(now))
                    .filter(diesel::dsl::exists(live_user)),
            )
            .set(verifications::used_at.eq(Some(now)))
            .execute(conn)
            .await?;
            if claimed == 0 {
                return Ok(None);
            }
            diesel::update(
                verifications::table
                    .filter(verifications::user_id.eq(&link.user_id))
                    .filter(verifications::used_at.is_null()),
            )
            .set(verifications::used_at.eq(Some(now)))
            .execute(conn)
            .await?;
            if link.previous_email.is_some() {
                // Another account has the address by now: the link is spent and nothing changes.
                let taken: i64 = users::table
                    .filter(users::email.eq(&link.email))
                    .filter(users::id.ne(&link.user_id))
                    .count()
                    .get_result(conn)
                    .await?;
                if taken > 0 {
                    return Ok(Some(UsedVerification::AddressTaken(link)));
                }
                diesel::update(users::table.find(&link.user_id))
                    .set((
                        users::email.eq(&link.email),
                        users::email_verified.eq(true),
                        users::updated_at.eq(now),
                        users::version.eq(users::version + 1),
                    ))
                    .execute(conn)
                    .await?;
                diesel::update(
                    password_reset_tokens::table
                        .filter(password_reset_tokens::user_id.eq(&link.user_id))
                        .filter(password_reset_tokens::used_at.is_null()),
                )
                .set(password_reset_tokens::used_at.eq(Some(now)))
                .execute(conn)
                .await?;
                if let Some(notice) = &notice {
                    diesel::insert_into(mail_outbox::table).values(notice).execute(conn).await?;
                }
                return Ok(Some(UsedVerification::Changed(link)));
            }
            diesel::update(users::table.find(&link.user_id))
                .set((
                    users::email_verified.eq(true),
                    users::updated_at.eq(now),
                    users::version.eq(users::version + 1),
                ))
                .execute(conn)
                .await?;
            Ok(Some(UsedVerification::Verified(link)))
        })
    }

    /// Any verification link by its hash, used or not (what a change link would change, before it is used).
    pub async fn find_verification(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<VerificationRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(verifications::table
                .find(hash)
                .select(VerificationRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Stores a verification link with its mail, and the new user it is for, if any: one transaction.
    pub async fn insert_verification(
        &self,
        user: Option<NewUserRow>,
        link: VerificationRow,
        mail: OutboxRow,
    ) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            if let Some(user) = &user {
                diesel::insert_into(users::table).values(user).execute(conn).await?;
            }
            diesel::insert_into(verifications::table).values(&link).execute(conn).await?;
            diesel::insert_into(mail_outbox::table).values(&mail).execute(conn).await?;
            Ok(())
        })
    }

    /// The address `user` asked to move to from `email` (the newest change link still usable), if any.
    pub async fn pending_email_change(
        &self,
        user: &UserId,
        email: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        with_conn!(self, conn => {
            Ok(verifications::table
                .filter(verifications::user_id.eq(user))
                .filter(verifications::previous_email.eq(email))
                .filter(verifications::used_at.is_null())
                .filter(verifications::expires_at.gt(now))
                .order(verifications::created_at.desc())
                .select(verifications::email)
                .first(conn)
                .await
                .optional()?)
        })
    }
}

/// What using a verification link did.
#[derive(Debug)]
pub enum UsedVerification {
    /// The user's address is verified.
    Verified(VerificationRow),
    /// The user's address changed to the link's, verified.
    Changed(VerificationRow),
    /// A change link, used up, but another account has that address by now: nothing changed.
    AddressTaken(VerificationRow),
}

impl UsedVerification {
    pub fn link(&self) -> &VerificationRow {
        match self {
            Self::Verified(link) | Self::Changed(link) | Self::AddressTaken(link) => link,
        }
    }
}

/// The link's user still has the address the link starts from: its own for a verification, the previous one for a
/// change.
type StillAtStart = diesel::dsl::Or<
    diesel::dsl::And<
        diesel::dsl::IsNull<verifications::previous_email>,
        diesel::dsl::Eq<users::email, verifications::email>,
    >,
    diesel::dsl::Eq<verifications::previous_email, diesel::dsl::Nullable<users::email>>,
>;

fn still_at_start() -> StillAtStart {
    verifications::previous_email
        .is_null()
        .and(users::email.eq(verifications::email))
        .or(verifications::previous_email.eq(users::email.nullable()))
}
