//! Access-token ids (`jti`, RFC 7519 §4.1.7) that carry their issue instant in milliseconds, so that a revocation
//! of a user can be ordered against the tokens issued in its own second. `iat` stays a whole-second NumericDate
//! (RFC 7519 §2: many libraries refuse fractions); the `jti` is a UUIDv7 (RFC 9562 §5.7) whose first 48 bits are
//! the Unix milliseconds of the issuer's clock, followed by 74 random bits (unique and unguessable as before).
//! `latchkey-verifier` reads the same bits (`verifier/src/feed/revoked.rs`).

use rand::RngExt;

/// A new `jti` for a token issued at `issued_ms` (Unix milliseconds).
pub fn mint(issued_ms: i64) -> String {
    let random: [u8; 10] = rand::rng().random();
    let millis = u64::try_from(issued_ms).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random)
        .into_uuid()
        .to_string()
}

/// The issue instant in Unix milliseconds a `jti` carries, when it is one of ours and agrees with the token's
/// `iat` (the same instant in whole seconds); `None` for any other `jti` (tokens signed before this format, whose
/// order within their second is unknown).
pub fn issued_at_ms(jti: &str, iat: i64) -> Option<i64> {
    let uuid = uuid::Uuid::try_parse(jti).ok()?;
    if uuid.get_version_num() != 7 || uuid.get_variant() != uuid::Variant::RFC4122 {
        return None;
    }
    let bytes = uuid.as_bytes();
    let ms = bytes[..6]
        .iter()
        .fold(0_i64, |ms, byte| (ms << 8) | i64::from(*byte));
    (ms.div_euclid(1000) == iat).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_jti_carries_its_millisecond_and_is_unique() {
        let issued = 1_765_000_123_456;
        let jti = mint(issued);
        assert_eq!(issued_at_ms(&jti, 1_765_000_123), Some(issued));
        assert_ne!(jti, mint(issued));
        assert_eq!(jti.len(), 36);
    }

    #[test]
    fn a_jti_of_another_format_or_second_carries_no_instant() {
        let iat = 1_765_000_123;
        assert_eq!(issued_at_ms(&mint(1_765_000_123_999), iat + 1), None);
        assert_eq!(issued_at_ms(&mint(1_765_000_122_999), iat), None);
        assert_eq!(issued_at_ms(&uuid::Uuid::new_v4().to_string(), iat), None);
        assert_eq!(issued_at_ms("j1", iat), None);
        assert_eq!(issued_at_ms("", iat), None);
    }
}
