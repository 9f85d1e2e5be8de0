//! Telling what a token presented to `/revoke` or `/introspect` is. The refresh-token prefix and the JWT shape tell
//! the two kinds apart, so `token_type_hint` is not needed (RFC 7009 §2.1 and RFC 7662 §2.1 let the server ignore
//! it).

use super::REFRESH_TOKEN_PREFIX;
use super::verify::{AccessClaims, verify_access_token};
use crate::domain::signing::KeySet;
use crate::store::refresh_tokens::PresentedToken;
use crate::store::{Store, StoreError};
use crate::values::secret::PlainToken;

pub enum Presented {
    /// One of our access tokens: signature, issuer and expiry check out (revocation not yet asked).
    Access(Box<AccessClaims>),
    /// A refresh token we stored, whatever its state.
    Refresh(Box<PresentedToken>),
    /// Anything else: unknown, expired, foreign, malformed.
    Unknown,
}

pub async fn identify(
    store: &Store,
    keys: &KeySet,
    issuer: &str,
    token: &str,
    now: i64,
) -> Result<Presented, StoreError> {
    if token.starts_with(REFRESH_TOKEN_PREFIX) {
        let hash = PlainToken::from_presented(token).hash();
        return Ok(match store.find_refresh_token(&hash).await? {
            Some(found) => Presented::Refresh(Box::new(found)),
            None => Presented::Unknown,
        });
    }
    Ok(match verify_access_token(keys, issuer, token, now) {
        Ok(claims) => Presented::Access(Box::new(claims)),
        Err(_) => Presented::Unknown,
    })
}

impl PresentedToken {
    /// Whether the refresh token could still be exchanged at `now`: not rotated, not idle-expired, its family live,
    /// its user enabled, and the key that signed its access token not revoked.
    pub fn is_live(&self, now: i64) -> bool {
        self.token.used_at.is_none()
            && self.token.idle_expires_at > now
            && self.family.revoked_at.is_none()
            && self.family.expires_at > now
            && !self.user.disabled
            && !self.signing_key_revoked
    }
}
