//! Values every layer speaks, from the store to the surfaces: ids, roles, secrets and their
//! hashes, scopes, source address blocks. They depend on
//! nothing else in the crate.

pub mod address;
pub mod ids;
pub mod locale;
pub mod origin;
pub mod roles;
pub mod scope;
pub mod secret;
