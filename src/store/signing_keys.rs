//! Signing-key rows: public halves in clear, private halves sealed under the master key.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::signing_keys as keys;
use super::{Store, StoreError, with_conn};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = keys)]
pub struct SigningKeyRow {
    pub kid: String,
    pub algorithm: String,
    /// `next`, `active`, `retired` or `revoked`.
    pub state: String,
    /// RSA modulus, base64url without padding (JWK `n`).
    pub public_n: String,
    /// RSA public exponent, base64url without padding (JWK `e`).
    pub public_e: String,
    /// AES-256-GCM nonce ‖ ciphertext ‖ tag of the PKCS#8 private key.
    pub private_key_ciphertext: Vec<u8>,
    /// Fingerprint of the master key that sealed the private key.
    pub master_key_id: String,
    pub created_at: i64,
    pub activate_after: Option<i64>,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub remove_after: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

impl Store {
    pub async fn insert_signing_key(&self, row: &SigningKeyRow) -> Result<(), StoreError> {
        with_conn!(self, conn => {
            diesel::insert_into(keys::table).values(row).execute(conn).await?;
        });
        Ok(())
    }

    /// Every key still in the table, oldest first.
    pub async fn list_signing_keys(&self) -> Result<Vec<SigningKeyRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(keys::table.order(keys::created_at.asc()).select(SigningKeyRow::as_select()).load(conn).await?)
        })
    }
}
