//! What a denylist entry covers: a token or a family whatever it names, a user's entry only tokens issued before it.

use crate::domain::tokens::verify::AccessClaims;
use crate::store::types::RevocationKind;

/// Whether an entry of `kind` made at `revoked_at` (already matched by value) revokes a token with `claims`.
pub(super) fn covers(kind: RevocationKind, revoked_at: i64, claims: &AccessClaims) -> bool {
    match kind {
        RevocationKind::Token | RevocationKind::Family => true,
        RevocationKind::User => claims.iat < revoked_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(iat: i64) -> AccessClaims {
        serde_json::from_value(serde_json::json!({
            "iss": "https://id.example", "sub": "u1", "aud": "api", "exp": iat + 60, "iat": iat,
            "jti": "j1", "client_id": "app",
        }))
        .unwrap()
    }

    #[test]
    fn a_user_entry_covers_tokens_issued_before_the_revocation_second_only() {
        assert!(covers(RevocationKind::User, 100, &claims(99)));
        assert!(!covers(RevocationKind::User, 100, &claims(100)));
        assert!(!covers(RevocationKind::User, 100, &claims(101)));
    }

    #[test]
    fn token_and_family_entries_cover_whatever_they_name() {
        assert!(covers(RevocationKind::Token, 100, &claims(500)));
        assert!(covers(RevocationKind::Family, 100, &claims(500)));
    }
}
