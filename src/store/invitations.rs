//! Invitations (migration 2026-12-06-000011): stored with their link's SHA-256 only; accepting one creates the
//! account in the same transaction that uses the link (DESIGN.md §18).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::outbox::OutboxRow;
use super::schema::{invitations, mail_outbox, users};
use super::users::NewUserRow;
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::roles::Roles;
use crate::values::secret::TokenHash;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct InvitationRow {
    /// A UUIDv7.
    pub id: String,
    pub token_hash: TokenHash,
    pub email: String,
    /// The new account's roles and tenant, as the operator set them.
    pub roles: Roles,
    pub tenant: Option<String>,
    /// The audit actor who invited.
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The account the invitation became.
    pub user_id: Option<String>,
}

impl Store {
    /// Stores an invitation with its mail, at once.
    pub async fn insert_invitation(
        &self,
        invitation: InvitationRow,
        mail: OutboxRow,
    ) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(invitations::table).values(&invitation).execute(conn).await?;
            diesel::insert_into(mail_outbox::table).values(&mail).execute(conn).await?;
            Ok(())
        })
    }

    /// Every invitation, newest first (operators list them; they are few).
    pub async fn list_invitations(&self, limit: i64) -> Result<Vec<InvitationRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(invitations::table
                .order(invitations::id.desc())
                .limit(limit)
                .select(InvitationRow::as_select())
                .load(conn)
                .await?)
        })
    }

    pub async fn find_invitation(&self, id: &str) -> Result<Option<InvitationRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(invitations::table
                .find(id)
                .select(InvitationRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// An invitation whose link can still be used: not accepted, not revoked, unexpired.
    pub async fn find_usable_invitation(
        &self,
        hash: &TokenHash,
        now: i64,
    ) -> Result<Option<InvitationRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(invitations::table
                .filter(invitations::token_hash.eq(hash))
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::revoked_at.is_null())
                .filter(invitations::expires_at.gt(now))
                .select(InvitationRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Revokes a pending invitation; `false` when there was none pending with this id.
    pub async fn revoke_invitation(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            let n = diesel::update(
                invitations::table
                    .find(&id)
                    .filter(invitations::accepted_at.is_null())
                    .filter(invitations::revoked_at.is_null()),
            )
            .set(invitations::revoked_at.eq(Some(now)))
            .execute(conn)
            .await?;
            Ok(n == 1)
        })
    }

    /// Accepts the invitation of `hash` once (conditional on it being pending and unexpired) by creating `user`.
    /// `false` when the link can't be used; [`StoreError::Conflict`] when the address or username is taken.
    pub async fn accept_invitation(
        &self,
        hash: TokenHash,
        user: NewUserRow,
        now: i64,
    ) -> Result<bool, StoreError> {
        write_tx!(self, StoreError, conn => {
            let claimed = diesel::update(
                invitations::table
                    .filter(invitations::token_hash.eq(hash))
                    .filter(invitations::accepted_at.is_null())
                    .filter(invitations::revoked_at.is_null())
                    .filter(invitations::expires_at.gt(now)),
            )
            .set((
                invitations::accepted_at.eq(Some(now)),
                invitations::user_id.eq(Some(user.id.as_str())),
            ))
            .execute(conn)
            .await?;
            if claimed == 0 {
                return Ok(false);
            }
            diesel::insert_into(users::table).values(&user).execute(conn).await?;
            Ok(true)
        })
    }
}
