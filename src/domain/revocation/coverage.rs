//! What a denylist entry covers: a token or a family whatever it names, a user's entry only tokens issued at or
//! before it, to the millisecond.
//!
//! A token's issue millisecond is in its `jti` (`tokens::jti`); a token without one (signed before that format)
//! counts as issued at the first millisecond of its `iat`, the earliest it can have been, so that a revocation in
//! its second covers it (`iat <=` the revocation's second). A tie (the same millisecond) goes to the revocation:
//! the order within one millisecond is unknown, and refusing is the safe side. `latchkey-verifier` applies the same
//! rule to the feed (`verifier/src/feed/revoked.rs`).

use crate::domain::tokens::jti;
use crate::domain::tokens::verify::AccessClaims;
use crate::store::types::RevocationKind;

/// Whether an entry of `kind` made at `revoked_at_ms` (already matched by value) revokes a token with `claims`.
pub(super) fn covers(kind: RevocationKind, revoked_at_ms: i64, claims: &AccessClaims) -> bool {
    match kind {
        RevocationKind::Token | RevocationKind::Family => true,
        RevocationKind::User => earliest_issue_ms(claims) <= revoked_at_ms,
    }
}

/// The earliest millisecond the token can have been issued in.
fn earliest_issue_ms(claims: &AccessClaims) -> i64 {
    jti::issued_at_ms(&claims.jti, claims.iat).unwrap_or_else(|| claims.iat.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims_with(iat: i64, jti: &str) -> AccessClaims {
        serde_json::from_value(serde_json::json!({
            "iss": "https://id.example", "sub": "u1", "aud": "api", "exp": iat + 60, "iat": iat,
            "jti": jti, "client_id": "app",
        }))
        .unwrap()
    }

    /// A token of ours issued at `ms`.
    fn issued_at(ms: i64) -> AccessClaims {
        claims_with(ms.div_euclid(1000), &jti::mint(ms))
    }

    #[test]
    fn a_user_entry_covers_tokens_issued_up_to_its_millisecond_within_its_own_second() {
        let revoked = 100_500;
        assert!(covers(RevocationKind::User, revoked, &issued_at(99_999)));
        assert!(covers(RevocationKind::User, revoked, &issued_at(100_000)));
        assert!(covers(RevocationKind::User, revoked, &issued_at(100_499)));
        assert!(covers(RevocationKind::User, revoked, &issued_at(100_500)));
        assert!(!covers(RevocationKind::User, revoked, &issued_at(100_501)));
        assert!(!covers(RevocationKind::User, revoked, &issued_at(100_999)));
        assert!(!covers(RevocationKind::User, revoked, &issued_at(101_000)));
    }

    #[test]
    fn a_token_without_a_millisecond_counts_from_the_start_of_its_second() {
        let v4 = "0b4c3a5e-8d1f-4c2a-9e7b-2f6d1a3c5e7f";
        assert!(covers(RevocationKind::User, 100_000, &claims_with(100, v4)));
        assert!(covers(
            RevocationKind::User,
            100_999,
            &claims_with(100, "j1")
        ));
        assert!(!covers(
            RevocationKind::User,
            100_999,
            &claims_with(101, v4)
        ));
        // A UUIDv7 whose millisecond is not in `iat`'s second is not trusted for it either.
        let elsewhere = claims_with(100, &jti::mint(100_999 + 5_000));
        assert!(covers(RevocationKind::User, 100_000, &elsewhere));
        assert!(!covers(RevocationKind::User, 99_999, &elsewhere));
    }

    #[test]
    fn token_and_family_entries_cover_whatever_they_name() {
        assert!(covers(RevocationKind::Token, 100_000, &issued_at(500_000)));
        assert!(covers(RevocationKind::Family, 100_000, &issued_at(500_000)));
    }
}
