//! Refresh-token families and their tokens (stored as SHA-256 hashes only).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{refresh_token_families as families, refresh_tokens as tokens, users};
use super::users::UserRow;
use super::{Store, StoreError, with_conn, write_tx};

/// The statement that revokes a family unless it already is (the first reason is kept).
macro_rules! revoke_family_stmt {
    ($family_id:expr, $reason:expr, $now:expr) => {
        diesel::update(
            families::table.filter(
                families::id
                    .eq($family_id)
                    .and(families::revoked_at.is_null()),
            ),
        )
        .set((
            families::revoked_at.eq(Some($now)),
            families::revoked_reason.eq(Some($reason)),
        ))
    };
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = families)]
pub struct FamilyRow {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub created_at: i64,
    /// Absolute end of the family, whatever the rotations.
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tokens)]
pub struct TokenRow {
    pub token_hash: Vec<u8>,
    pub family_id: String,
    pub issued_at: i64,
    pub idle_expires_at: i64,
    /// Set when the token was rotated; presenting it again is reuse.
    pub used_at: Option<i64>,
    /// `kid` of the access token issued with this refresh token.
    pub access_token_kid: String,
}

/// A presented refresh token with what is needed to judge it.
#[derive(Debug)]
pub struct PresentedToken {
    pub token: TokenRow,
    pub family: FamilyRow,
    pub user: UserRow,
    /// The key that signed the access token issued with this refresh token has been revoked since.
    pub signing_key_revoked: bool,
}

/// Result of trying to retire a token in favour of its successor.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    Rotated,
    /// Someone used the token first (a concurrent request or a replay): the family has been revoked.
    LostRace,
}

impl Store {
    /// Starts a family with its first token, atomically.
    pub async fn create_family(
        &self,
        family: &FamilyRow,
        first: &TokenRow,
    ) -> Result<(), StoreError> {
        let (family, first) = (family.clone(), first.clone());
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(families::table).values(&family).execute(conn).await?;
            diesel::insert_into(tokens::table).values(&first).execute(conn).await?;
            Ok(())
        })
    }

    pub async fn find_refresh_token(
        &self,
        hash: &[u8],
    ) -> Result<Option<PresentedToken>, StoreError> {
        use super::schema::signing_keys as keys;
        with_conn!(self, conn => {
            let row = tokens::table
                .inner_join(families::table.inner_join(users::table))
                .left_join(keys::table.on(keys::kid.eq(tokens::access_token_kid)))
                .filter(tokens::token_hash.eq(hash))
                .select((
                    TokenRow::as_select(),
                    FamilyRow::as_select(),
                    UserRow::as_select(),
                    keys::state.nullable(),
                ))
                .get_result::<(TokenRow, FamilyRow, UserRow, Option<String>)>(conn)
                .await
                .optional()?;
            Ok(row.map(|(token, family, user, key_state)| PresentedToken {
                token,
                family,
                user,
                signing_key_revoked: key_state.as_deref() == Some("revoked"),
            }))
        })
    }

    /// Marks `old` used and stores `next` in the same family, in one transaction. The conditional `UPDATE … WHERE
    /// used_at IS NULL` makes this exactly-once: of N concurrent callers one rotates, the others lose and the
    /// family is revoked (RFC 9700 §4.14.2: a refresh token used twice is a breach signal).
    pub async fn rotate_refresh_token(
        &self,
        old: &[u8],
        next: &TokenRow,
        now: i64,
    ) -> Result<Rotation, StoreError> {
        let (old, next) = (old.to_vec(), next.clone());
        write_tx!(self, StoreError, conn => {
            let claimed = diesel::update(tokens::table.find(&old).filter(tokens::used_at.is_null()))
                .set(tokens::used_at.eq(Some(now)))
                .execute(conn)
                .await?;
            if claimed == 1 {
                diesel::insert_into(tokens::table).values(&next).execute(conn).await?;
                Ok(Rotation::Rotated)
            } else {
                revoke_family_stmt!(&next.family_id, "refresh token reused", now).execute(conn).await?;
                Ok(Rotation::LostRace)
            }
        })
    }

    pub async fn revoke_family(&self, family_id: &str, reason: &str) -> Result<(), StoreError> {
        let now = super::now();
        with_conn!(self, conn => {
            revoke_family_stmt!(family_id, reason, now).execute(conn).await?;
        });
        Ok(())
    }
}
