//! What the public revocation feed publishes: enough for a verifier to match a token, no more.
//!
//! `jti` and `sid` entries name random identifiers (a token's, a refresh-token family's) that nobody can tie to a
//! user without holding the token; they carry the millisecond they were minted in (UUIDv7), which says when some
//! token or login began, not whose. A user entry would name the user's id (`sub`), so the feed lists instead
//! `HMAC-SHA256(key, sub)`, base64url, under a key derived from the master key and published in every page
//! (`sub_key`). A verifier computes the same value from the token it holds. Whoever does not know a user's `sub`
//! learns nothing from the entry (UUIDv7 ids can't be enumerated), not even the account's creation time the id
//! carries; entries of two deployments can't be linked (their keys differ). Whoever does know a `sub` (a client or
//! resource server that saw the user's tokens) can test it, as a verifier must: they could tell anyway, when the
//! user's tokens stop working. A key kept secret and shared with every verifier would hide the entry from those
//! clients too, at the price of a secret to configure and rotate in every resource server, where any one leak
//! undoes it; the published key is the trade made here (README, security notes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::store::revocations::RevocationRow;
use crate::store::types::RevocationKind;

/// The key user entries are hashed under.
pub struct FeedKey {
    published: String,
    key: ring::hmac::Key,
}

impl FeedKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self {
            published: URL_SAFE_NO_PAD.encode(bytes),
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes),
        }
    }

    /// The key, base64url: the feed's `sub_key`.
    pub fn published(&self) -> &str {
        &self.published
    }

    /// What the feed lists for user `sub`.
    pub fn user_value(&self, sub: &str) -> String {
        URL_SAFE_NO_PAD.encode(ring::hmac::sign(&self.key, sub.as_bytes()))
    }
}

impl std::fmt::Debug for FeedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FeedKey({})", self.published)
    }
}

/// What a feed entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// One access token, by `jti`.
    Jti,
    /// Every access token carrying this `sid`.
    Sid,
    /// Every access token of the user whose keyed `sub` hash this is, issued at or before `revoked_at_ms`.
    SubHmac,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jti => "jti",
            Self::Sid => "sid",
            Self::SubHmac => "sub_hmac",
        }
    }
}

/// One entry as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub seq: i64,
    pub kind: FeedKind,
    pub value: String,
    /// Milliseconds since the Unix epoch on the issuer's clock.
    pub revoked_at_ms: i64,
    /// Seconds: after this every token the entry covers has expired.
    pub expires_at: i64,
}

impl FeedEntry {
    pub(super) fn publish(row: RevocationRow, key: &FeedKey) -> Self {
        let revoked_at_ms = row.revoked_ms();
        let (kind, value) = match row.kind {
            RevocationKind::Token => (FeedKind::Jti, row.value),
            RevocationKind::Family => (FeedKind::Sid, row.value),
            RevocationKind::User => (FeedKind::SubHmac, key.user_value(&row.value)),
        };
        Self {
            seq: row.seq,
            kind,
            value,
            revoked_at_ms,
            expires_at: row.expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: RevocationKind, value: &str) -> RevocationRow {
        RevocationRow {
            seq: 3,
            kind,
            value: value.to_owned(),
            revoked_at: 100,
            expires_at: 1000,
            revoked_at_ms: Some(100_250),
        }
    }

    #[test]
    fn a_user_entry_publishes_a_keyed_hash_of_the_sub_never_the_sub() {
        let key = FeedKey::new([7; 32]);
        let entry = FeedEntry::publish(row(RevocationKind::User, "0193a1b2-user"), &key);
        assert_eq!(entry.kind, FeedKind::SubHmac);
        assert!(!entry.value.contains("0193a1b2"));
        assert_eq!(entry.value, key.user_value("0193a1b2-user"));
        // The value is HMAC-SHA256 under the published key, as a verifier computes it.
        let published = URL_SAFE_NO_PAD.decode(key.published()).unwrap();
        let expected = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &published),
            b"0193a1b2-user",
        );
        assert_eq!(entry.value, URL_SAFE_NO_PAD.encode(expected));
        assert_eq!(entry.revoked_at_ms, 100_250);
        // Another deployment (another key) publishes another value for the same id.
        assert_ne!(
            FeedKey::new([8; 32]).user_value("0193a1b2-user"),
            entry.value
        );
    }

    #[test]
    fn token_and_family_entries_publish_their_random_ids() {
        let key = FeedKey::new([7; 32]);
        let jti = FeedEntry::publish(row(RevocationKind::Token, "j1"), &key);
        assert_eq!((jti.kind, jti.value.as_str()), (FeedKind::Jti, "j1"));
        let sid = FeedEntry::publish(row(RevocationKind::Family, "f1"), &key);
        assert_eq!((sid.kind, sid.value.as_str()), (FeedKind::Sid, "f1"));
    }

    #[test]
    fn a_row_without_milliseconds_is_published_at_the_end_of_its_second() {
        let mut old = row(RevocationKind::User, "u1");
        old.revoked_at_ms = None;
        assert_eq!(
            FeedEntry::publish(old, &FeedKey::new([7; 32])).revoked_at_ms,
            100_999
        );
    }
}
