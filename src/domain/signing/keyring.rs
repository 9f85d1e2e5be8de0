//! The in-memory key ring: the one active signer and the JWKS document, swapped atomically on reload.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use arc_swap::ArcSwap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;

use super::key::{SigningKey, public_jwk};
use super::master_key::{MasterKey, MasterKeyError};
use crate::store::signing_keys::SigningKeyRow;
pub use crate::store::types::KeyState;
use crate::store::{Store, StoreError};
use crate::values::ids::Kid;

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no active signing key in the database")]
    NoActiveKey,
    #[error(transparent)]
    Invalid(#[from] anyhow::Error),
}

/// What one reload of the key table produced.
pub struct KeySet {
    pub active: Arc<SigningKey>,
    /// The JWKS document, serialized once.
    pub jwks: Arc<[u8]>,
    /// Strong validator of `jwks` (RFC 9110 §8.8.3).
    pub etag: String,
    /// The published keys by kid, for verifying Latchkey's own tokens (`/userinfo`).
    pub verifying: HashMap<String, jsonwebtoken::DecodingKey>,
}

pub struct KeyRing {
    /// Swapped whole on reload; every request reads it without a lock (`arc-swap`).
    current: ArcSwap<KeySet>,
    /// Parsed private keys by kid: parsing RSA keys is slow and they never change.
    parsed: RwLock<HashMap<String, Arc<SigningKey>>>,
}

impl KeyRing {
    /// Loads the ring, first creating an active key if the database has none (a fresh installation: no verifier
    /// can have cached a JWKS yet, so the first key may sign at once).
    pub async fn bootstrap(
        store: &Store,
        master: &MasterKey,
        bits: u32,
        now: i64,
    ) -> Result<Self, KeyRingError> {
        let mut rows = store.list_signing_keys().await?;
        if !rows.iter().any(|r| r.state == KeyState::Active) {
            let row = generate_row(master, bits, KeyState::Active, now).await?;
            match store.insert_signing_key(&row).await {
                Ok(()) => tracing::info!(kid = %row.kid, "generated the first signing key"),
                // Another replica won the race: use its key.
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
            rows = store.list_signing_keys().await?;
        }
        let parsed = RwLock::new(HashMap::new());
        let set = build_set(&parsed, &rows, master, now)?;
        Ok(Self {
            current: ArcSwap::from_pointee(set),
            parsed,
        })
    }

    /// The current signer and JWKS; cheap (one `Arc` clone).
    pub fn snapshot(&self) -> Arc<KeySet> {
        self.current.load_full()
    }

    /// Re-reads the key table and swaps in the new set.
    pub async fn reload(
        &self,
        store: &Store,
        master: &MasterKey,
        now: i64,
    ) -> Result<(), KeyRingError> {
        let rows = store.list_signing_keys().await?;
        let set = build_set(&self.parsed, &rows, master, now)?;
        self.current.store(Arc::new(set));
        Ok(())
    }
}

/// Builds the signer and JWKS from the key table.
fn build_set(
    parsed: &RwLock<HashMap<String, Arc<SigningKey>>>,
    rows: &[SigningKeyRow],
    master: &MasterKey,
    now: i64,
) -> Result<KeySet, KeyRingError> {
    {
        let active_row = rows
            .iter()
            .find(|r| r.state == KeyState::Active)
            .ok_or(KeyRingError::NoActiveKey)?;
        let active = parsed_key(parsed, active_row, master)?;
        let mut published: Vec<&SigningKeyRow> = rows
            .iter()
            .filter(|r| {
                matches!(
                    r.state,
                    KeyState::Next | KeyState::Active | KeyState::Retired
                ) && r.remove_after.is_none_or(|t| t > now)
            })
            .collect();
        // The signer first, then upcoming, then retiring keys.
        published.sort_by_key(|r| match r.state {
            KeyState::Active => 0,
            KeyState::Next => 1,
            _ => 2,
        });
        let keys: Vec<_> = published
            .iter()
            .map(|r| public_jwk(r.kid.as_str(), &r.public_n, &r.public_e))
            .collect();
        let verifying = published
            .iter()
            .map(|r| {
                let key = jsonwebtoken::DecodingKey::from_rsa_components(&r.public_n, &r.public_e)
                    .map_err(anyhow::Error::from)?;
                Ok((r.kid.to_string(), key))
            })
            .collect::<anyhow::Result<_>>()?;
        let jwks = serde_json::to_vec(&JwkSet { keys }).map_err(anyhow::Error::from)?;
        let digest = ring::digest::digest(&ring::digest::SHA256, &jwks);
        let etag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16]));
        Ok(KeySet {
            active,
            jwks: jwks.into(),
            etag,
            verifying,
        })
    }
}

fn parsed_key(
    parsed: &RwLock<HashMap<String, Arc<SigningKey>>>,
    row: &SigningKeyRow,
    master: &MasterKey,
) -> Result<Arc<SigningKey>, KeyRingError> {
    {
        if let Some(key) = parsed
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(row.kid.as_str())
        {
            return Ok(key.clone());
        }
        let pkcs8 = master.open(
            row.kid.as_str(),
            &row.master_key_id,
            &row.private_key_ciphertext,
        )?;
        let key = Arc::new(SigningKey::from_pkcs8(row.kid.as_str(), &pkcs8)?);
        parsed
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(row.kid.to_string(), key.clone());
        Ok(key)
    }
}

/// Generates a key off the async workers and seals its private half.
pub async fn generate_row(
    master: &MasterKey,
    bits: u32,
    state: KeyState,
    now: i64,
) -> Result<SigningKeyRow, KeyRingError> {
    let generated = tokio::task::spawn_blocking(move || SigningKey::generate(bits))
        .await
        .map_err(anyhow::Error::from)??;
    Ok(SigningKeyRow {
        kid: Kid::new(generated.jwk.kid.clone()),
        algorithm: "RS256".into(),
        state,
        public_n: generated.jwk.n.clone(),
        public_e: generated.jwk.e.clone(),
        private_key_ciphertext: master.seal(&generated.jwk.kid, &generated.pkcs8)?,
        master_key_id: master.id().to_owned(),
        created_at: now,
        activate_after: None,
        activated_at: (state == KeyState::Active).then_some(now),
        retired_at: None,
        remove_after: None,
        revoked_at: None,
        revoked_reason: None,
        last_signed_at: None,
    })
}
