//! What the feed has said is revoked, kept only as long as it can matter: a pure structure, unit-tested here.
//!
//! A user entry covers the user's tokens issued at or before its millisecond (`revoked_at_ms`). A token's own
//! millisecond is in its `jti`, a `UUIDv7` whose first 48 bits are the issuer's Unix milliseconds when it signed the
//! token; a token whose `jti` is not one (or disagrees with `iat`) counts from the first millisecond of its `iat`,
//! the earliest it can have been issued, so a revocation in its second covers it. A tie goes to the revocation.
//! This is the issuer's own rule (Latchkey's `src/domain/revocation/coverage.rs`).
//!
//! Latchkey lists users by `HMAC-SHA256(sub_key, sub)` (kind `sub_hmac`, `sub_key` published in the page), not by
//! `sub`: the list keeps those hashes per key and hashes the token's `sub` under each key it holds (one, or two for
//! a while after the issuer's master key changed). A raw `sub` entry (an issuer from before that format) is still
//! understood.

use std::collections::HashMap;

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What one feed entry names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One access token, by its `jti`.
    Jti,
    /// Every access token carrying this `sid` (a refresh-token family).
    Sid,
    /// Every access token of the user whose `sub` hashes to the value under the page's `sub_key`, issued at or
    /// before `revoked_at_ms`.
    SubHmac(SubKey),
    /// Every access token of this `sub` issued at or before `revoked_at_ms` (issuers before `sub_hmac`).
    Sub,
}

/// The key a page's `sub_hmac` entries are hashed under: public, published in the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SubKey {
    published: String,
    bytes: Vec<u8>,
}

impl SubKey {
    /// `None` unless `published` is base64url (no padding) of at least 16 bytes.
    pub(crate) fn parse(published: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(published).ok()?;
        (bytes.len() >= 16).then(|| Self {
            published: published.to_owned(),
            bytes,
        })
    }

    /// What the issuer lists for `sub`: `HMAC-SHA256(key, sub)`, base64url.
    fn hash(key: &hmac::Key, sub: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(key, sub.as_bytes()))
    }
}

/// One entry of the feed, as applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) kind: Kind,
    pub(crate) value: String,
    /// Milliseconds since the Unix epoch, on the issuer's clock (the clock of the tokens' `iat` and `jti`).
    pub(crate) revoked_at_ms: i64,
    /// After this (seconds) every token the entry covers has expired.
    pub(crate) expires_at: i64,
}

/// The identifiers of a token that an entry can name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TokenIds<'a> {
    pub(crate) jti: &'a str,
    /// Only tokens issued with a refresh token carry one.
    pub(crate) sid: Option<&'a str>,
    pub(crate) sub: &'a str,
    pub(crate) iat: i64,
}

impl TokenIds<'_> {
    /// The earliest millisecond the token can have been issued in: its `jti`'s, or the start of its `iat`.
    fn earliest_issue_ms(&self) -> i64 {
        issued_at_ms(self.jti, self.iat).unwrap_or_else(|| self.iat.saturating_mul(1000))
    }
}

/// The millisecond a Latchkey `jti` (a `UUIDv7`, RFC 9562 §5.7) carries, when `jti` is one and the millisecond lies in
/// `iat`'s second.
pub(crate) fn issued_at_ms(jti: &str, iat: i64) -> Option<i64> {
    let hex: String = jti.split('-').collect();
    let shape = [8, 4, 4, 4, 12] == *jti.split('-').map(str::len).collect::<Vec<_>>();
    if !shape || hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let version = &hex[12..13];
    let variant = u8::from_str_radix(&hex[16..17], 16).ok()?;
    if version != "7" || variant & 0b1100 != 0b1000 {
        return None;
    }
    let ms = i64::from_str_radix(&hex[..12], 16).ok()?;
    (ms.div_euclid(1000) == iat).then_some(ms)
}

/// A user entry: the latest revocation wins, since it covers everything an earlier one did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct UserCutoff {
    revoked_at_ms: i64,
    expires_at: i64,
}

impl UserCutoff {
    fn merge(&mut self, revoked_at_ms: i64, expires_at: i64) {
        keep_max(&mut self.revoked_at_ms, revoked_at_ms);
        keep_max(&mut self.expires_at, expires_at);
    }
}

/// The users listed under one `sub_key`, by hash.
struct HashedUsers {
    key: hmac::Key,
    users: HashMap<String, UserCutoff>,
}

impl std::fmt::Debug for HashedUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashedUsers")
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

/// The revoked `jti`s, `sid`s and users, each with the time after which it can be forgotten.
#[derive(Debug, Default)]
pub(crate) struct RevocationList {
    jtis: HashMap<String, i64>,
    sids: HashMap<String, i64>,
    /// Raw `sub`s (issuers before `sub_hmac`).
    subs: HashMap<String, UserCutoff>,
    /// By `sub_key` (base64url).
    hashed: HashMap<String, HashedUsers>,
}

impl RevocationList {
    /// Records `entry`. Applying an entry twice, or entries out of order, never narrows what is refused: each map
    /// keeps the latest `expires_at`, and a user keeps the latest `revoked_at_ms`.
    pub(crate) fn apply(&mut self, entry: Entry) {
        let Entry {
            kind,
            value,
            revoked_at_ms,
            expires_at,
        } = entry;
        let users = match kind {
            Kind::Jti => {
                return keep_max(self.jtis.entry(value).or_insert(expires_at), expires_at);
            }
            Kind::Sid => {
                return keep_max(self.sids.entry(value).or_insert(expires_at), expires_at);
            }
            Kind::Sub => &mut self.subs,
            Kind::SubHmac(key) => {
                &mut self
                    .hashed
                    .entry(key.published)
                    .or_insert_with(|| HashedUsers {
                        key: hmac::Key::new(hmac::HMAC_SHA256, &key.bytes),
                        users: HashMap::new(),
                    })
                    .users
            }
        };
        users
            .entry(value)
            .or_insert(UserCutoff {
                revoked_at_ms,
                expires_at,
            })
            .merge(revoked_at_ms, expires_at);
    }

    /// Forgets the entries whose `expires_at` is before `cutoff`: the tokens they cover are refused as expired
    /// anyway. The caller subtracts its leeway from now, since it accepts a token until `exp` plus the leeway.
    pub(crate) fn forget_expired(&mut self, cutoff: i64) {
        self.jtis.retain(|_, expires_at| *expires_at >= cutoff);
        self.sids.retain(|_, expires_at| *expires_at >= cutoff);
        self.subs.retain(|_, user| user.expires_at >= cutoff);
        self.hashed.retain(|_, hashed| {
            hashed.users.retain(|_, user| user.expires_at >= cutoff);
            !hashed.users.is_empty()
        });
    }

    /// Whether an entry covers the token.
    pub(crate) fn covers(&self, token: TokenIds<'_>) -> bool {
        let issued = token.earliest_issue_ms();
        let covered_by = |user: &UserCutoff| issued <= user.revoked_at_ms;
        self.jtis.contains_key(token.jti)
            || token.sid.is_some_and(|sid| self.sids.contains_key(sid))
            || self.subs.get(token.sub).is_some_and(covered_by)
            || self.hashed.values().any(|hashed| {
                let value = SubKey::hash(&hashed.key, token.sub);
                hashed.users.get(&value).is_some_and(covered_by)
            })
    }

    /// How many entries are kept.
    pub(crate) fn len(&self) -> usize {
        let hashed: usize = self.hashed.values().map(|hashed| hashed.users.len()).sum();
        self.jtis.len() + self.sids.len() + self.subs.len() + hashed
    }
}

fn keep_max(kept: &mut i64, new: i64) {
    *kept = (*kept).max(new);
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    fn entry(kind: Kind, value: &str, revoked_at_ms: i64, expires_at: i64) -> Entry {
        Entry {
            kind,
            value: value.to_owned(),
            revoked_at_ms,
            expires_at,
        }
    }

    fn sub_key(published: &str) -> SubKey {
        SubKey::parse(published).unwrap()
    }

    /// What the issuer publishes for `sub` under `published`.
    fn hashed(published: &str, sub: &str) -> String {
        let key = sub_key(published);
        SubKey::hash(&hmac::Key::new(hmac::HMAC_SHA256, &key.bytes), sub)
    }

    /// A Latchkey `jti` carrying `ms` (`UUIDv7` layout: 48 bits of ms, version 7, variant 10).
    fn jti_at(ms: i64) -> String {
        let hex = format!("{ms:012x}");
        format!("{}-{}-7abc-9def-0123456789ab", &hex[..8], &hex[8..])
    }

    fn token<'a>(jti: &'a str, sid: Option<&'a str>, sub: &'a str, iat: i64) -> TokenIds<'a> {
        TokenIds { jti, sid, sub, iat }
    }

    /// A token of `sub` issued at `ms`, whose `jti` carries it.
    fn covers_at(list: &RevocationList, sub: &str, ms: i64) -> bool {
        list.covers(token(&jti_at(ms), None, sub, ms.div_euclid(1000)))
    }

    #[test]
    fn a_jti_carries_its_millisecond_only_in_latchkeys_format_and_iats_second() {
        assert_eq!(issued_at_ms(&jti_at(100_250), 100), Some(100_250));
        assert_eq!(issued_at_ms(&jti_at(100_250), 101), None);
        assert_eq!(
            issued_at_ms("0b4c3a5e-8d1f-4c2a-9e7b-2f6d1a3c5e7f", 0),
            None,
            "v4"
        );
        assert_eq!(
            issued_at_ms("00000000-0064-7abc-cdef-0123456789ab", 0),
            None,
            "variant"
        );
        assert_eq!(
            issued_at_ms("00000000-0064-7abc-9def-0123456789ag", 0),
            None
        );
        assert_eq!(
            issued_at_ms("000000000064-7abc-9def-0123-456789ab", 0),
            None
        );
        assert_eq!(issued_at_ms("j1", 0), None);
    }

    #[test]
    fn a_jti_entry_covers_that_token_only() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Jti, "j1", 100_000, 200));
        assert!(list.covers(token("j1", None, "u1", 90)));
        assert!(!list.covers(token("j2", None, "u1", 90)));
    }

    #[test]
    fn a_sid_entry_covers_tokens_of_that_family_and_tokens_without_sid_are_not_matched() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Sid, "f1", 100_000, 200));
        assert!(list.covers(token("j1", Some("f1"), "u1", 150)));
        assert!(!list.covers(token("j2", Some("f2"), "u1", 90)));
        assert!(!list.covers(token("j3", None, "u1", 90)));
    }

    #[test]
    fn a_hashed_user_entry_covers_that_users_tokens_up_to_its_millisecond() {
        let mut list = RevocationList::default();
        let revoked = 100_500;
        list.apply(entry(
            Kind::SubHmac(sub_key(KEY)),
            &hashed(KEY, "u1"),
            revoked,
            200,
        ));
        for ms in [99_000, 100_000, 100_499, 100_500] {
            assert!(covers_at(&list, "u1", ms), "issued at {ms}");
        }
        for ms in [100_501, 100_999, 101_000] {
            assert!(!covers_at(&list, "u1", ms), "issued at {ms}");
        }
        assert!(!covers_at(&list, "u2", 99_000), "another user");
        // A token without a millisecond in its jti counts from the start of its second.
        assert!(list.covers(token("j1", None, "u1", 100)));
        assert!(!list.covers(token("j1", None, "u1", 101)));
    }

    #[test]
    fn a_hash_is_matched_only_under_the_key_it_was_made_with() {
        let other = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4";
        let mut list = RevocationList::default();
        list.apply(entry(
            Kind::SubHmac(sub_key(other)),
            &hashed(KEY, "u1"),
            100_500,
            200,
        ));
        assert!(!covers_at(&list, "u1", 99_000));
        // After the issuer's key changed, entries under both keys count until they expire.
        list.apply(entry(
            Kind::SubHmac(sub_key(KEY)),
            &hashed(KEY, "u1"),
            100_500,
            300,
        ));
        list.apply(entry(
            Kind::SubHmac(sub_key(other)),
            &hashed(other, "u2"),
            100_500,
            200,
        ));
        assert!(covers_at(&list, "u1", 99_000) && covers_at(&list, "u2", 99_000));
        list.forget_expired(201);
        assert!(covers_at(&list, "u1", 99_000) && !covers_at(&list, "u2", 99_000));
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn a_short_or_malformed_sub_key_is_refused() {
        assert!(SubKey::parse(KEY).is_some());
        assert!(
            SubKey::parse("AAECAwQFBgcICQoLDA0ODw").is_some(),
            "16 bytes"
        );
        assert!(SubKey::parse("AAECAwQFBgcICQoLDA0O").is_none(), "15 bytes");
        assert!(SubKey::parse("not base64!").is_none());
        assert!(SubKey::parse("").is_none());
    }

    #[test]
    fn a_raw_sub_entry_of_an_older_issuer_is_still_understood() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Sub, "u1", 100_999, 200));
        assert!(list.covers(token("j1", None, "u1", 100)));
        assert!(!list.covers(token("j1", None, "u1", 101)));
        assert!(!list.covers(token("j1", None, "u2", 99)));
    }

    #[test]
    fn the_latest_revocation_of_a_user_wins_whatever_order_entries_arrive_in() {
        let mut list = RevocationList::default();
        let user = || Kind::SubHmac(sub_key(KEY));
        let u1 = hashed(KEY, "u1");
        list.apply(entry(user(), &u1, 100_000, 200));
        list.apply(entry(user(), &u1, 150_000, 250));
        assert!(covers_at(&list, "u1", 149_999));
        assert!(!covers_at(&list, "u1", 150_001));

        // An older entry seen again (a replay, a restarted cursor) does not move the cutoff back.
        list.apply(entry(user(), &u1, 100_000, 200));
        assert!(covers_at(&list, "u1", 149_999));
        list.forget_expired(201);
        assert!(
            covers_at(&list, "u1", 149_999),
            "kept until the latest entry expires"
        );
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn entries_are_forgotten_once_expired_and_not_before() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Jti, "j1", 100_000, 200));
        list.apply(entry(Kind::Sid, "f1", 100_000, 300));
        list.apply(entry(
            Kind::SubHmac(sub_key(KEY)),
            &hashed(KEY, "u1"),
            100_000,
            400,
        ));
        assert_eq!(list.len(), 3);

        list.forget_expired(200);
        assert_eq!(list.len(), 3, "expires_at itself is still covered");
        list.forget_expired(201);
        assert!(!list.covers(token("j1", None, "u9", 0)));
        assert!(list.covers(token("j9", Some("f1"), "u9", 0)));
        list.forget_expired(301);
        assert!(!list.covers(token("j9", Some("f1"), "u9", 0)));
        assert!(list.covers(token("j9", None, "u1", 99)));
        list.forget_expired(401);
        assert_eq!(list.len(), 0);
    }

    #[test]
    fn a_repeated_entry_keeps_its_latest_expiry() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Jti, "j1", 100_000, 300));
        list.apply(entry(Kind::Jti, "j1", 100_000, 200));
        list.forget_expired(250);
        assert!(list.covers(token("j1", None, "u1", 0)));
        assert_eq!(list.len(), 1);
    }
}
