//! Values every layer speaks, from the store to the surfaces: secrets and their hashes, scopes, source
//! address blocks. They depend on
//! nothing else in the crate.

pub mod address;
pub mod scope;
pub mod secret;
