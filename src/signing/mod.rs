//! Signing keys: the master key that seals them, one parsed RSA key, and the key ring serving JWKS.

pub mod key;
pub mod keyring;
pub mod master_key;

pub use key::{PublicJwk, SigningKey};
pub use keyring::{KeyRing, KeySet, KeyState};
pub use master_key::MasterKey;
