//! Signing-key rows: public halves in clear, private halves sealed under the master key.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::audit::{Actor, AuditRow};
use super::schema::signing_keys as keys;
use super::types::AuditAction;
use super::types::KeyState;
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::Kid;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = keys)]
pub struct SigningKeyRow {
    pub kid: Kid,
    pub algorithm: String,
    pub state: KeyState,
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
    /// When the key last signed a token, to within [`crate::domain::signing::usage::WRITE_INTERVAL`].
    pub last_signed_at: Option<i64>,
}

impl Store {
    pub async fn insert_signing_key(&self, row: &SigningKeyRow) -> Result<(), StoreError> {
        let row = row.clone();
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(keys::table).values(&row).execute(conn).await?;
            Ok(())
        })
    }

    /// Records that `kid` signed at `now`. Never moves the time back: replicas' writes may arrive in any order.
    pub async fn mark_key_signed(&self, kid: &Kid, now: i64) -> Result<(), StoreError> {
        let kid = kid.to_owned();
        write_tx!(self, StoreError, conn => {
            diesel::update(
                keys::table
                    .find(&kid)
                    .filter(keys::last_signed_at.is_null().or(keys::last_signed_at.lt(now))),
            )
            .set(keys::last_signed_at.eq(Some(now)))
            .execute(conn)
            .await?;
            Ok(())
        })
    }

    /// Every key still in the table, oldest first.
    pub async fn list_signing_keys(&self) -> Result<Vec<SigningKeyRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(keys::table.order((keys::created_at.asc(), keys::kid.asc())).select(SigningKeyRow::as_select()).load(conn).await?)
        })
    }
}

/// What an emergency revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The key that signs from now on, when the revoked key was the signer.
    pub new_active: Option<String>,
    pub families_revoked: usize,
}

impl Store {
    /// Makes `next_kid` the signer and retires the current one, atomically. False when `next_kid` is no longer
    /// `next` (another replica or the CLI got there first).
    pub async fn promote_signing_key(
        &self,
        next_kid: &Kid,
        now: i64,
        remove_after: i64,
    ) -> Result<bool, StoreError> {
        let next_kid = next_kid.to_owned();
        write_tx!(self, StoreError, conn => {
            diesel::update(keys::table.filter(keys::state.eq(KeyState::Active)))
                .set((
                    keys::state.eq(KeyState::Retired),
                    keys::retired_at.eq(Some(now)),
                    keys::remove_after.eq(Some(remove_after)),
                ))
                .execute(conn)
                .await?;
            let promoted = diesel::update(keys::table.find(&next_kid).filter(keys::state.eq(KeyState::Next)))
                .set((keys::state.eq(KeyState::Active), keys::activated_at.eq(Some(now))))
                .execute(conn)
                .await?;
            // Rolling back keeps the old signer when the promotion lost a race.
            if promoted == 1 { Ok(true) } else { Err(StoreError::NotFound) }
        })
        .or_else(|e| if matches!(e, StoreError::NotFound) { Ok(false) } else { Err(e) })
    }

    /// Removes a retired key whose tokens have all expired.
    pub async fn delete_retired_signing_key(&self, kid: &Kid) -> Result<bool, StoreError> {
        let kid = kid.to_owned();
        write_tx!(self, StoreError, conn => {
            Ok(diesel::delete(keys::table.find(&kid).filter(keys::state.eq(KeyState::Retired))).execute(conn).await? == 1)
        })
    }

    /// Replaces a key's sealed private half (master-key rotation).
    pub async fn reseal_signing_key(
        &self,
        kid: &Kid,
        ciphertext: &[u8],
        master_key_id: &str,
    ) -> Result<(), StoreError> {
        let (kid, ciphertext, master_key_id) = (
            kid.to_owned(),
            ciphertext.to_vec(),
            master_key_id.to_owned(),
        );
        write_tx!(self, StoreError, conn => {
            diesel::update(keys::table.find(&kid))
                .set((keys::private_key_ciphertext.eq(&ciphertext), keys::master_key_id.eq(&master_key_id)))
                .execute(conn)
                .await?;
            Ok(())
        })
    }

    /// Emergency revocation, in one transaction: the key leaves the JWKS; if it was the signer, `successor` (an
    /// already published `next` key, or else `fresh`, a new key) signs instead; every refresh-token family whose
    /// access tokens it signed is revoked; an audit record is written.
    pub async fn revoke_signing_key(
        &self,
        kid: &Kid,
        reason: &str,
        fresh: &SigningKeyRow,
        actor: &Actor,
        now: i64,
    ) -> Result<Revocation, StoreError> {
        use super::schema::{
            audit_log, refresh_token_families as families, refresh_tokens as tokens,
        };
        let (kid, reason, fresh, actor) = (
            kid.to_owned(),
            reason.to_owned(),
            fresh.clone(),
            actor.clone(),
        );
        write_tx!(self, StoreError, conn => {
            let state: KeyState = keys::table.find(&kid).select(keys::state).first(conn).await?;
            if state == KeyState::Revoked {
                return Err(StoreError::Conflict);
            }
            diesel::update(keys::table.find(&kid))
                .set((
                    keys::state.eq(KeyState::Revoked),
                    keys::revoked_at.eq(Some(now)),
                    keys::revoked_reason.eq(Some(&reason)),
                ))
                .execute(conn)
                .await?;
            let mut new_active = None;
            if state == KeyState::Active {
                let next: Option<Kid> = keys::table
                    .filter(keys::state.eq(KeyState::Next))
                    .order(keys::created_at.asc())
                    .select(keys::kid)
                    .first(conn)
                    .await
                    .optional()?;
                let successor = if let Some(next) = next {
                    diesel::update(keys::table.find(&next))
                        .set((keys::state.eq(KeyState::Active), keys::activated_at.eq(Some(now))))
                        .execute(conn)
                        .await?;
                    next
                } else {
                    diesel::insert_into(keys::table).values(&fresh).execute(conn).await?;
                    fresh.kid.clone()
                };
                new_active = Some(successor);
            }
            let affected = tokens::table.filter(tokens::access_token_kid.eq(&kid)).select(tokens::family_id);
            let families_revoked = diesel::update(
                families::table.filter(families::revoked_at.is_null()).filter(families::id.eq_any(affected)),
            )
            .set((families::revoked_at.eq(Some(now)), families::revoked_reason.eq(Some("signing key revoked"))))
            .execute(conn)
            .await?;
            let detail = serde_json::json!({
                "reason": reason,
                "previous_state": state.as_str(),
                "new_active": new_active,
                "families_revoked": families_revoked,
            });
            // In the revoking transaction: an emergency revocation is never without its record.
            diesel::insert_into(audit_log::table)
                .values(&AuditRow::new(&actor, AuditAction::KeyRevoke, &format!("key:{kid}"), &detail, now))
                .execute(conn)
                .await?;
            Ok(Revocation { new_active: new_active.map(Kid::into_string), families_revoked })
        })
    }

    /// Takes or renews the lease `name` for `holder` until `now + ttl`; false while another holder's lease runs.
    pub async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        ttl: i64,
    ) -> Result<bool, StoreError> {
        use super::schema::leases;
        let (name, holder) = (name.to_owned(), holder.to_owned());
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(leases::table)
                .values((leases::name.eq(&name), leases::holder.eq(""), leases::expires_at.eq(0_i64)))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            let taken = diesel::update(
                leases::table
                    .find(&name)
                    .filter(leases::holder.eq(&holder).or(leases::expires_at.lt(now))),
            )
            .set((leases::holder.eq(&holder), leases::expires_at.eq(now + ttl)))
            .execute(conn)
            .await?;
            Ok(taken == 1)
        })
    }
}

#[cfg(test)]
impl SigningKeyRow {
    /// A row without key material, for tests of the pure functions over the key table.
    pub(crate) fn bare(kid: &str, state: KeyState, created_at: i64) -> Self {
        Self {
            kid: kid.into(),
            algorithm: "RS256".into(),
            state,
            public_n: String::new(),
            public_e: String::new(),
            private_key_ciphertext: Vec::new(),
            master_key_id: String::new(),
            created_at,
            activate_after: None,
            activated_at: (state == KeyState::Active).then_some(created_at),
            retired_at: None,
            remove_after: None,
            revoked_at: None,
            revoked_reason: None,
            last_signed_at: None,
        }
    }
}
