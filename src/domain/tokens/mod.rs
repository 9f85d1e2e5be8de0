//! Tokens Latchkey issues: RS256 JWT access tokens and opaque refresh tokens.

pub mod access_token;
pub mod id_token;
pub mod identity_claims;
pub mod issuer;
pub mod jti;
pub mod presented;
pub mod verify;

use crate::infra::clock::SharedClock;

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
    /// The issuer's clock, read again for the millisecond an access token's `jti` carries.
    pub clock: SharedClock,
}

impl TokenSettings {
    /// A `jti` for an access token issued at `now` (whole seconds, its `iat`): it carries the clock's millisecond,
    /// kept within `now`'s second so that it agrees with `iat`. The clock was read for `now` before, so the
    /// millisecond is never earlier than that reading; and it is never later than the signing, so a token signed
    /// before a revocation is always ordered before it.
    pub fn access_token_jti(&self, now: i64) -> String {
        let second = now.saturating_mul(1000);
        jti::mint(self.clock.now_ms().clamp(second, second + 999))
    }
}
