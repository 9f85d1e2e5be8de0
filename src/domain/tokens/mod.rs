//! Tokens Latchkey issues: RS256 JWT access tokens and opaque refresh tokens.

pub mod access_token;
pub mod id_token;
pub mod identity_claims;
pub mod issuer;
pub mod presented;
pub mod verify;

/// Prefix of refresh tokens, so secret scanners can recognise a leaked one.
pub const REFRESH_TOKEN_PREFIX: &str = "lk_rt_";

/// Lifetimes and issuer shared by every grant.
#[derive(Clone, Debug)]
pub struct TokenSettings {
    pub issuer: String,
    pub access_token_ttl: i64,
    pub refresh_token_idle_ttl: i64,
    pub refresh_token_max_lifetime: i64,
    /// Seconds after a rotation during which repeating it returns the same successor (0: never).
    pub refresh_reuse_grace: i64,
}
