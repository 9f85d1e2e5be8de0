//! The rules of an identity provider, with no HTTP types: users and their passwords, clients and how they
//! authenticate, authorization requests and codes, hosted sessions, tokens and the keys that sign them, revocation,
//! brute-force limits, password reset and the audit trail. Every surface calls these; they call the store.

pub mod account;
pub mod audit;
pub mod authentication;
pub mod authorization;
pub mod clients;
pub mod consent;
pub(crate) mod dummy_hashes;
pub mod form;
pub mod invitations;
pub mod letters;
pub mod mfa;
pub mod oauth_error;
pub mod passkeys;
pub mod password_formats;
pub mod password_reset;
pub mod passwords;
pub mod preconditions;
pub mod registration;
pub mod revocation;
pub mod sessions;
pub mod signing;
pub mod throttle;
pub mod tokens;
pub mod user_import;
pub mod users;
pub mod validation;
pub mod web_origins;
