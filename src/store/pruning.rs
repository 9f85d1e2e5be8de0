//! Deleting what can no longer matter, so that tables that grow with every sign-in stay bounded.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{
    authorization_codes as codes, email_verifications, mail_outbox,
    password_reset_tokens as resets, pending_sign_ins, revocations, sessions, webauthn_ceremonies,
};
use super::{Store, StoreError, write_tx};

/// Rows are kept this long after they stopped mattering: a used code's row is what lets a late replay still revoke
/// what the code issued (RFC 6749 §4.1.2), and operators can look at recent history.
pub const RETENTION_SECS: i64 = 86_400;

/// What one pruning pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub codes: usize,
    pub sessions: usize,
    pub reset_tokens: usize,
    pub verification_links: usize,
    pub sent_mail: usize,
    pub revocations: usize,
    /// Passkey ceremonies (registration, sign-in) that were never finished.
    pub ceremonies: usize,
    /// Second-factor steps that timed out (nothing to keep: they only ever let their own browser finish).
    pub pending_sign_ins: usize,
}

impl Store {
    /// Deletes authorization codes, sessions, reset and verification links that expired (or sessions that ended), and mail that
    /// was delivered, more than [`RETENTION_SECS`] before `now`.
    pub async fn prune_expired(&self, now: i64) -> Result<Pruned, StoreError> {
        let before = now - RETENTION_SECS;
        write_tx!(self, StoreError, conn => {
            let codes = diesel::delete(codes::table.filter(codes::expires_at.lt(before)))
                .execute(conn)
                .await?;
            let sessions = diesel::delete(
                sessions::table.filter(
                    sessions::expires_at
                        .lt(before)
                        .or(sessions::idle_expires_at.lt(before))
                        .or(sessions::revoked_at.lt(before)),
                ),
            )
            .execute(conn)
            .await?;
            let reset_tokens = diesel::delete(resets::table.filter(resets::expires_at.lt(before)))
                .execute(conn)
                .await?;
            let verification_links = diesel::delete(
                email_verifications::table.filter(email_verifications::expires_at.lt(before)),
            )
            .execute(conn)
            .await?;
            let sent_mail = diesel::delete(mail_outbox::table.filter(mail_outbox::sent_at.lt(before)))
                .execute(conn)
                .await?;
            // Denylist entries go once what they cover has expired (and the feed's grace for verifiers' leeway).
            let grace = super::revocations::FEED_GRACE_SECS;
            let revocations =
                diesel::delete(revocations::table.filter(revocations::expires_at.le(now - grace)))
                    .execute(conn)
                    .await?;
            // A ceremony lives minutes: once expired it can only be refused, so it goes at once.
            let ceremonies = diesel::delete(
                webauthn_ceremonies::table.filter(webauthn_ceremonies::expires_at.le(now)),
            )
            .execute(conn)
            .await?;
            let pending_sign_ins =
                diesel::delete(pending_sign_ins::table.filter(pending_sign_ins::expires_at.le(now)))
                    .execute(conn)
                    .await?;
            Ok(Pruned {
                codes,
                sessions,
                reset_tokens,
                verification_links,
                sent_mail,
                revocations,
                ceremonies,
                pending_sign_ins,
            })
        })
    }
}
