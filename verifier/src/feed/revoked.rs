//! What the feed has said is revoked, kept only as long as it can matter: a pure structure, unit-tested here.

use std::collections::HashMap;

/// What one feed entry names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One access token, by its `jti`.
    Jti,
    /// Every access token carrying this `sid` (a refresh-token family).
    Sid,
    /// Every access token of this `sub` issued strictly before `revoked_at`.
    Sub,
}

/// One entry of the feed, as applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) kind: Kind,
    pub(crate) value: String,
    /// Seconds since the Unix epoch, on the issuer's clock (the clock of the tokens' `iat`).
    pub(crate) revoked_at: i64,
    /// After this every token the entry covers has expired.
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

/// A user entry: the latest revocation wins, since it covers everything an earlier one did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct UserCutoff {
    revoked_at: i64,
    expires_at: i64,
}

/// The revoked `jti`s, `sid`s and users, each with the time after which it can be forgotten.
#[derive(Debug, Default)]
pub(crate) struct RevocationList {
    jtis: HashMap<String, i64>,
    sids: HashMap<String, i64>,
    subs: HashMap<String, UserCutoff>,
}

impl RevocationList {
    /// Records `entry`. Applying an entry twice, or entries out of order, never narrows what is refused: each map
    /// keeps the latest `expires_at`, and a user keeps the latest `revoked_at`.
    pub(crate) fn apply(&mut self, entry: Entry) {
        let Entry {
            kind,
            value,
            revoked_at,
            expires_at,
        } = entry;
        match kind {
            Kind::Jti => keep_max(self.jtis.entry(value).or_insert(expires_at), expires_at),
            Kind::Sid => keep_max(self.sids.entry(value).or_insert(expires_at), expires_at),
            Kind::Sub => {
                let cutoff = self.subs.entry(value).or_insert(UserCutoff {
                    revoked_at,
                    expires_at,
                });
                keep_max(&mut cutoff.revoked_at, revoked_at);
                keep_max(&mut cutoff.expires_at, expires_at);
            }
        }
    }

    /// Forgets the entries whose `expires_at` is before `cutoff`: the tokens they cover are refused as expired
    /// anyway. The caller subtracts its leeway from now, since it accepts a token until `exp` plus the leeway.
    pub(crate) fn forget_expired(&mut self, cutoff: i64) {
        self.jtis.retain(|_, expires_at| *expires_at >= cutoff);
        self.sids.retain(|_, expires_at| *expires_at >= cutoff);
        self.subs.retain(|_, user| user.expires_at >= cutoff);
    }

    /// Whether an entry covers the token.
    pub(crate) fn covers(&self, token: TokenIds<'_>) -> bool {
        self.jtis.contains_key(token.jti)
            || token.sid.is_some_and(|sid| self.sids.contains_key(sid))
            // The issuer's rule: a user entry covers tokens issued strictly before its second.
            || self
                .subs
                .get(token.sub)
                .is_some_and(|user| token.iat < user.revoked_at)
    }

    /// How many entries are kept.
    pub(crate) fn len(&self) -> usize {
        self.jtis.len() + self.sids.len() + self.subs.len()
    }
}

fn keep_max(kept: &mut i64, new: i64) {
    *kept = (*kept).max(new);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: Kind, value: &str, revoked_at: i64, expires_at: i64) -> Entry {
        Entry {
            kind,
            value: value.to_owned(),
            revoked_at,
            expires_at,
        }
    }

    fn token<'a>(jti: &'a str, sid: Option<&'a str>, sub: &'a str, iat: i64) -> TokenIds<'a> {
        TokenIds { jti, sid, sub, iat }
    }

    #[test]
    fn a_jti_entry_covers_that_token_only() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Jti, "j1", 100, 200));
        assert!(list.covers(token("j1", None, "u1", 90)));
        assert!(!list.covers(token("j2", None, "u1", 90)));
    }

    #[test]
    fn a_sid_entry_covers_tokens_of_that_family_and_tokens_without_sid_are_not_matched() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Sid, "f1", 100, 200));
        assert!(list.covers(token("j1", Some("f1"), "u1", 150)));
        assert!(!list.covers(token("j2", Some("f2"), "u1", 90)));
        assert!(!list.covers(token("j3", None, "u1", 90)));
    }

    #[test]
    fn a_sub_entry_covers_tokens_issued_strictly_before_the_revocation_second() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Sub, "u1", 100, 200));
        assert!(list.covers(token("j1", None, "u1", 99)));
        assert!(!list.covers(token("j2", None, "u1", 100)));
        assert!(!list.covers(token("j3", None, "u1", 101)));
        assert!(!list.covers(token("j4", None, "u2", 99)));
    }

    #[test]
    fn the_latest_revocation_of_a_user_wins_whatever_order_entries_arrive_in() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Sub, "u1", 100, 200));
        list.apply(entry(Kind::Sub, "u1", 150, 250));
        assert!(list.covers(token("j1", None, "u1", 149)));
        assert!(!list.covers(token("j2", None, "u1", 150)));

        // An older entry seen again (a replay, a restarted cursor) does not move the cutoff back.
        list.apply(entry(Kind::Sub, "u1", 100, 200));
        assert!(list.covers(token("j1", None, "u1", 149)));
        list.forget_expired(201);
        assert!(
            list.covers(token("j1", None, "u1", 149)),
            "kept until the latest entry expires"
        );
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn entries_are_forgotten_once_expired_and_not_before() {
        let mut list = RevocationList::default();
        list.apply(entry(Kind::Jti, "j1", 100, 200));
        list.apply(entry(Kind::Sid, "f1", 100, 300));
        list.apply(entry(Kind::Sub, "u1", 100, 400));
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
        list.apply(entry(Kind::Jti, "j1", 100, 300));
        list.apply(entry(Kind::Jti, "j1", 100, 200));
        list.forget_expired(250);
        assert!(list.covers(token("j1", None, "u1", 0)));
        assert_eq!(list.len(), 1);
    }
}
