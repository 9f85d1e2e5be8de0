//! A sign-in between its password and its second factor (or the enrolment its policy requires): a row keyed by
//! the SHA-256 of the browser cookie, so it is bound to that browser, lives `pending_ttl`, and ends after
//! `pending_attempts` wrong codes (the password must then be entered again). Nothing of it is in the page: a form
//! can't name another user's sign-in.

use super::MfaSettings;
use crate::store::second_factors::PendingRow;
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;
use crate::values::secret::PlainToken;

/// Records that the browser with `cookie` entered the password of `user_id` at `auth_time`; `session_id`: the
/// session being stepped up (`acr_values`), if it is one.
pub async fn begin(
    store: &Store,
    settings: &MfaSettings,
    cookie: &PlainToken,
    user_id: &UserId,
    session_id: Option<&str>,
    auth_time: i64,
    now: i64,
) -> Result<(), StoreError> {
    store
        .put_pending_sign_in(PendingRow {
            cookie_hash: cookie.hash(),
            user_id: user_id.clone(),
            session_id: session_id.map(str::to_owned),
            auth_time,
            failed_attempts: 0,
            created_at: now,
            expires_at: now + settings.pending_ttl,
        })
        .await
}

/// The browser's live pending sign-in.
pub async fn find(
    store: &Store,
    cookie: &PlainToken,
    now: i64,
) -> Result<Option<PendingRow>, StoreError> {
    store.find_pending_sign_in(&cookie.hash(), now).await
}

/// Counts a wrong code; answers whether the pending sign-in is still live.
pub async fn failed(
    store: &Store,
    settings: &MfaSettings,
    cookie: &PlainToken,
) -> Result<bool, StoreError> {
    store
        .fail_pending_sign_in(&cookie.hash(), settings.pending_attempts)
        .await
}

/// Ends the browser's pending sign-in; answers whether this call ended it (only one request finishes a sign-in).
pub async fn finish(store: &Store, cookie: &PlainToken) -> Result<bool, StoreError> {
    store.take_pending_sign_in(&cookie.hash()).await
}
