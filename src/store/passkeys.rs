//! Passkeys (WebAuthn credentials) and the ceremonies that register and use them (issue 20). A credential is
//! stored as webauthn-rs serializes it; the columns beside it are what the account page shows and what a
//! sign-in looks up.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::outbox::OutboxRow;
use super::schema::{mail_outbox, passkeys, webauthn_ceremonies as ceremonies};
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::UserId;
use crate::values::secret::TokenHash;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = passkeys)]
pub struct PasskeyRow {
    /// Our id for the passkey (UUIDv7), what the account page's forms name.
    pub id: String,
    pub user_id: UserId,
    /// The raw WebAuthn credential id.
    pub credential_id: Vec<u8>,
    /// The WebAuthn `user.id` the credential was created with.
    pub user_handle: Vec<u8>,
    /// The webauthn-rs `Passkey`, as JSON.
    pub passkey: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// What a sign-in changes on the passkey it used.
#[derive(Debug, Clone)]
pub struct PasskeyUse {
    pub passkey: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ceremonies)]
pub struct CeremonyRow {
    pub id: String,
    /// SHA-256 of the browser cookie the ceremony was started for.
    pub browser_hash: TokenHash,
    /// `register` or `sign_in`.
    pub kind: String,
    /// Whose passkey a registration adds.
    pub user_id: Option<UserId>,
    /// The webauthn-rs ceremony state, as JSON.
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Store {
    /// Adds a passkey and queues `notice` (the mail telling the user) in the same transaction;
    /// [`StoreError::Conflict`] when its credential id is registered already (to anyone).
    pub async fn insert_passkey(
        &self,
        row: PasskeyRow,
        notice: OutboxRow,
    ) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(passkeys::table).values(&row).execute(conn).await?;
            diesel::insert_into(mail_outbox::table).values(&notice).execute(conn).await?;
            Ok(())
        })
    }

    /// The user's passkeys, oldest first.
    pub async fn passkeys_of(&self, user_id: &UserId) -> Result<Vec<PasskeyRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(passkeys::table
                .filter(passkeys::user_id.eq(user_id))
                .order((passkeys::created_at.asc(), passkeys::id.asc()))
                .select(PasskeyRow::as_select())
                .load(conn)
                .await?)
        })
    }

    /// How many passkeys the user has (a second factor when there is one).
    pub async fn count_passkeys(&self, user_id: &UserId) -> Result<i64, StoreError> {
        with_conn!(self, conn => {
            Ok(passkeys::table
                .filter(passkeys::user_id.eq(user_id))
                .count()
                .get_result(conn)
                .await?)
        })
    }

    /// The passkey with this credential id, whoever's it is.
    pub async fn find_passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(passkeys::table
                .filter(passkeys::credential_id.eq(credential_id))
                .select(PasskeyRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Names one of the user's passkeys; false when the user has no passkey `id`.
    pub async fn rename_passkey(
        &self,
        user_id: &UserId,
        id: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        let (user_id, id, name) = (user_id.clone(), id.to_owned(), name.to_owned());
        write_tx!(self, StoreError, conn => {
            Ok(diesel::update(passkeys::table.find(&id).filter(passkeys::user_id.eq(&user_id)))
                .set(passkeys::name.eq(&name))
                .execute(conn)
                .await? == 1)
        })
    }

    /// Removes one of the user's passkeys; false when the user has no passkey `id`.
    pub async fn delete_passkey(&self, user_id: &UserId, id: &str) -> Result<bool, StoreError> {
        let (user_id, id) = (user_id.clone(), id.to_owned());
        write_tx!(self, StoreError, conn => {
            Ok(diesel::delete(passkeys::table.find(&id).filter(passkeys::user_id.eq(&user_id)))
                .execute(conn)
                .await? == 1)
        })
    }

    /// Removes every passkey of the user (an operator's factor reset); answers how many there were.
    pub async fn delete_passkeys_of(&self, user_id: &UserId) -> Result<usize, StoreError> {
        let user_id = user_id.clone();
        write_tx!(self, StoreError, conn => {
            Ok(diesel::delete(passkeys::table.filter(passkeys::user_id.eq(&user_id)))
                .execute(conn)
                .await?)
        })
    }

    /// Records a sign-in with passkey `id` of `user_id`: its new counter and flags, and when. False when the
    /// passkey is gone (removed while the ceremony ran): the sign-in must then fail.
    pub async fn record_passkey_use(
        &self,
        user_id: &UserId,
        id: &str,
        used: PasskeyUse,
    ) -> Result<bool, StoreError> {
        let (user_id, id) = (user_id.clone(), id.to_owned());
        write_tx!(self, StoreError, conn => {
            Ok(diesel::update(passkeys::table.find(&id).filter(passkeys::user_id.eq(&user_id)))
                .set((
                    passkeys::passkey.eq(&used.passkey),
                    passkeys::sign_count.eq(used.sign_count),
                    passkeys::backup_eligible.eq(used.backup_eligible),
                    passkeys::backed_up.eq(used.backed_up),
                    passkeys::last_used_at.eq(Some(used.at)),
                ))
                .execute(conn)
                .await? == 1)
        })
    }

    pub async fn insert_ceremony(&self, row: CeremonyRow) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(ceremonies::table).values(&row).execute(conn).await?;
            Ok(())
        })
    }

    /// Takes the ceremony `id` of `kind` started for the browser `browser_hash`, so that it can be finished once:
    /// deleted in the same statement that reads it. `None` when there is no such ceremony for this browser (used
    /// already, or another browser's, which is left alone). The caller checks its expiry.
    pub async fn claim_ceremony(
        &self,
        id: &str,
        browser_hash: &TokenHash,
        kind: &'static str,
    ) -> Result<Option<CeremonyRow>, StoreError> {
        let (id, browser_hash) = (id.to_owned(), *browser_hash);
        write_tx!(self, StoreError, conn => {
            Ok(diesel::delete(
                ceremonies::table
                    .find(&id)
                    .filter(ceremonies::browser_hash.eq(&browser_hash))
                    .filter(ceremonies::kind.eq(kind)),
            )
            .returning(CeremonyRow::as_returning())
            .get_result(conn)
            .await
            .optional()?)
        })
    }
}
