//! The master key that seals signing keys at rest (AES-256-GCM, DESIGN.md §8).

use std::fmt::Write as _;

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngExt;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::values::secret::SecretString;

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error(
        "no master key: set LATCHKEY_MASTER_KEY (32 random bytes, standard base64) or LATCHKEY_MASTER_KEY_FILE; \
         generate one with `head -c 32 /dev/urandom | base64`"
    )]
    Missing,
    #[error(
        "the master key file {path} does not exist, but the database already holds signing keys sealed by a \
             master key; restore that file or point LATCHKEY_MASTER_KEY_FILE at it (nothing is regenerated)"
    )]
    FileLost { path: String },
    #[error("the master key ({origin}) must be 32 bytes in standard base64")]
    Malformed { origin: String },
    #[error("cannot read or create the master key file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "signing key {kid} was sealed by master key {sealed_by}, but the configured master key is {configured}: \
             configure the master key that sealed it"
    )]
    WrongKey {
        kid: String,
        sealed_by: String,
        configured: String,
    },
    #[error(
        "signing key {kid} could not be decrypted: the stored ciphertext or the master key is wrong"
    )]
    Undecryptable { kid: String },
    #[error("encryption failed")]
    Seal,
}

/// The loaded master key. `Debug` shows only its fingerprint.
pub struct MasterKey {
    key: LessSafeKey,
    /// Root of the keys derived for other purposes (CSRF tokens): every replica derives the same ones.
    derivation: ring::hmac::Key,
    id: String,
    /// The master key in use before this one, still able to open keys it sealed until they are rewrapped.
    previous: Option<Box<MasterKey>>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

/// Where the master key comes from (settings `master_key`, `master_key_file`, `master_key_previous`).
pub struct MasterKeySource<'a> {
    pub key: Option<&'a SecretString>,
    pub file: &'a Path,
    pub previous: Option<&'a SecretString>,
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Self, MasterKeyError> {
        let malformed = || MasterKeyError::Malformed {
            origin: origin.to_owned(),
        };
        if bytes.len() != 32 {
            return Err(malformed());
        }
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| malformed())?);
        // A fingerprint, not the key: lets rows say which master key sealed them without revealing it.
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"latchkey master key id\0");
        ctx.update(bytes);
        let digest = ctx.finish();
        let id = digest.as_ref()[..8]
            .iter()
            .fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            });
        Ok(Self {
            key,
            derivation: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes),
            id,
            previous: None,
        })
    }

    /// Keeps `previous` able to open what it sealed (master-key rotation; `latchkey keys rewrap` re-seals).
    #[must_use]
    pub fn with_previous(mut self, previous: MasterKey) -> Self {
        self.previous = Some(Box::new(previous));
        self
    }

    pub fn from_base64(text: &str, origin: &str) -> Result<Self, MasterKeyError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| MasterKeyError::Malformed {
                origin: origin.to_owned(),
            })?;
        Self::from_bytes(&bytes, origin)
    }

    /// Loads the configured master key. The key file is created (mode 0600) only when `may_create` says the
    /// database holds no sealed key yet, so a lost file is reported, never silently replaced.
    pub fn load(source: &MasterKeySource<'_>, may_create: bool) -> Result<Self, MasterKeyError> {
        let current = Self::load_current(source, may_create)?;
        match source.previous {
            Some(text) => Ok(current.with_previous(Self::from_base64(
                text.expose(),
                "LATCHKEY_MASTER_KEY_PREVIOUS",
            )?)),
            None => Ok(current),
        }
    }

    fn load_current(
        source: &MasterKeySource<'_>,
        may_create: bool,
    ) -> Result<Self, MasterKeyError> {
        if let Some(text) = source.key {
            return Self::from_base64(text.expose(), "LATCHKEY_MASTER_KEY");
        }
        let path = source.file;
        let io = |source| MasterKeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !may_create {
                    return Err(MasterKeyError::FileLost {
                        path: path.display().to_string(),
                    });
                }
                let bytes: [u8; 32] = rand::rng().random();
                write_private_file(path, STANDARD.encode(bytes).as_bytes()).map_err(io)?;
                tracing::info!(path = %path.display(), "created a new master key file (mode 0600); back it up");
                Self::from_bytes(&bytes, &path.display().to_string())
            }
            Err(e) => Err(io(e)),
        }
    }

    /// An HMAC-SHA256 key for `purpose`, derived from the master key (HMAC as a PRF, as in HKDF-Expand): the
    /// same on every replica, independent of the encryption key and of every other purpose.
    pub fn derive_hmac_key(&self, purpose: &str) -> ring::hmac::Key {
        ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.derive_bytes(purpose))
    }

    /// The 32 bytes [`derive_hmac_key`](Self::derive_hmac_key) keys its HMAC with, for a key that is published (the
    /// revocation feed's): learning it reveals nothing of the master key or of any other purpose's key.
    pub fn derive_bytes(&self, purpose: &str) -> [u8; 32] {
        let tag = ring::hmac::sign(&self.derivation, format!("latchkey/{purpose}").as_bytes());
        let mut bytes = [0; 32];
        bytes.copy_from_slice(tag.as_ref());
        bytes
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plaintext`; `context` (the kid) is authenticated, so a ciphertext can't be moved to another row.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, MasterKeyError> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::rng().random();
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(context.as_bytes()),
                &mut in_out,
            )
            .map_err(|_| MasterKeyError::Seal)?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&in_out);
        Ok(out)
    }

    pub fn open(
        &self,
        context: &str,
        sealed_by: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, MasterKeyError> {
        if sealed_by != self.id {
            if let Some(previous) = self.previous.as_deref().filter(|p| p.id == sealed_by) {
                return previous.open(context, sealed_by, sealed);
            }
            return Err(MasterKeyError::WrongKey {
                kid: context.to_owned(),
                sealed_by: sealed_by.to_owned(),
                configured: self.id.clone(),
            });
        }
        let undecryptable = || MasterKeyError::Undecryptable {
            kid: context.to_owned(),
        };
        if sealed.len() < NONCE_LEN {
            return Err(undecryptable());
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| undecryptable())?;
        let mut in_out = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut in_out)
            .map_err(|_| undecryptable())?;
        Ok(plain.to_vec())
    }
}

/// Writes a file only its owner can read, creating its folder.
fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes(&[byte; 32], "test").unwrap()
    }

    #[test]
    fn sealed_data_opens_only_with_the_same_key_and_context() {
        let sealed = key(1).seal("kid-1", b"private").unwrap();
        assert_eq!(
            key(1).open("kid-1", key(1).id(), &sealed).unwrap(),
            b"private"
        );
        assert!(matches!(
            key(1).open("kid-2", key(1).id(), &sealed),
            Err(MasterKeyError::Undecryptable { .. })
        ));
        assert!(matches!(
            key(2).open("kid-1", key(1).id(), &sealed),
            Err(MasterKeyError::WrongKey { .. })
        ));
        assert!(!sealed.windows(7).any(|w| w == b"private"));
    }

    #[test]
    fn a_previous_master_key_still_opens_what_it_sealed() {
        let sealed = key(1).seal("kid", b"private").unwrap();
        let rotated = key(2).with_previous(key(1));
        assert_eq!(
            rotated.open("kid", key(1).id(), &sealed).unwrap(),
            b"private"
        );
    }

    #[test]
    fn a_master_key_must_be_32_bytes_of_base64() {
        assert!(MasterKey::from_base64("c2hvcnQ=", "env").is_err());
        assert!(MasterKey::from_base64("not base64!", "env").is_err());
        assert!(MasterKey::from_base64(&STANDARD.encode([7u8; 32]), "env").is_ok());
    }

    #[test]
    fn debug_shows_only_the_fingerprint() {
        assert_eq!(
            format!("{:?}", key(1)),
            format!("MasterKey({})", key(1).id())
        );
    }
}
