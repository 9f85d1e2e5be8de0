//! Hosted sign-in sessions (DESIGN.md §15): a random 256-bit secret in a cookie, a row keyed by its SHA-256 in
//! the store, idle and absolute lifetimes. A new secret at every sign-in (no session fixation).

use crate::domain::mfa::amr::AuthMethods;
use crate::domain::users::User;
use crate::store::sessions::SessionRow;
use crate::store::{Store, StoreError};
use crate::values::secret::PlainToken;

/// Prefix of the cookie's secret, so secret scanners can recognise one.
pub const SESSION_PREFIX: &str = "lk_ss_";

/// How long sessions live, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct SessionSettings {
    /// Ends a session nobody used for this long.
    pub idle_ttl: i64,
    /// Ends every session this long after sign-in, however busy.
    pub max_lifetime: i64,
}

/// Use of a session moves its idle expiry at most this often: a write per page view would be wasteful.
const TOUCH_INTERVAL: i64 = 60;

/// Starts a session for `user`, who entered their password at `auth_time` and proved `methods` in all. The returned
/// secret goes in the cookie.
pub async fn start(
    store: &Store,
    settings: SessionSettings,
    user: &User,
    methods: &AuthMethods,
    auth_time: i64,
    source: String,
    now: i64,
) -> Result<(PlainToken, SessionRow), StoreError> {
    let secret = PlainToken::generate(SESSION_PREFIX);
    let expires_at = now + settings.max_lifetime;
    let row = SessionRow {
        id: uuid::Uuid::now_v7().to_string(),
        token_hash: secret.hash(),
        user_id: user.id.clone(),
        auth_time,
        created_at: now,
        last_seen_at: now,
        idle_expires_at: (now + settings.idle_ttl).min(expires_at),
        expires_at,
        revoked_at: None,
        revoked_reason: None,
        amr: methods.stored(),
        source: Some(source),
    };
    store.insert_session(row.clone()).await?;
    Ok((secret, row))
}

/// The live session a cookie's secret names, if any; its idle expiry moves forward.
pub async fn resume(
    store: &Store,
    settings: SessionSettings,
    secret: &PlainToken,
    now: i64,
) -> Result<Option<SessionRow>, StoreError> {
    let Some(mut row) = store.find_live_session(&secret.hash(), now).await? else {
        return Ok(None);
    };
    if now - row.last_seen_at >= TOUCH_INTERVAL {
        let idle_expires_at = (now + settings.idle_ttl).min(row.expires_at);
        store.touch_session(&row.id, idle_expires_at, now).await?;
        row.last_seen_at = now;
        row.idle_expires_at = idle_expires_at;
    }
    Ok(Some(row))
}
