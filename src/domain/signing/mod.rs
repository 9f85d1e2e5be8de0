//! Signing keys: the master key that seals them, one parsed RSA key, the key ring serving JWKS, and the lifecycle
//! that rotates them.

pub mod admin;
pub mod key;
pub mod keyring;
pub mod lifecycle;
pub mod manager;
pub mod master_key;
pub mod usage;

pub use key::{PublicKey, SigningKey, public_jwk};
pub use keyring::{KeyRing, KeySet, KeyState};
pub use lifecycle::KeyPolicy;
pub use master_key::MasterKey;
