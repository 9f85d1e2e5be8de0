//! Secrets and opaque tokens: values whose `Debug` never prints them, and their SHA-256 hashes.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;

/// A string that must not reach logs: a database URL with a password, a master key, a client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// An opaque bearer credential in clear text (refresh token, client secret): shown once, never stored.
#[derive(Clone)]
pub struct PlainToken(String);

impl PlainToken {
    /// `prefix` + 256 random bits, base64url: the prefix lets secret scanners recognise a leaked token.
    pub fn generate(prefix: &str) -> Self {
        let bytes: [u8; 32] = rand::rng().random();
        Self(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// `prefix` + HMAC-SHA256(`key`, `from`), base64url: as unpredictable as a generated token to anyone without
    /// `key`, and the same every time for the same `from` (a refresh token's successor, so that a repeated refresh
    /// within the grace window gets the same one back without anything secret being stored).
    pub fn derived(prefix: &str, key: &ring::hmac::Key, from: &PlainToken) -> Self {
        let tag = ring::hmac::sign(key, from.0.as_bytes());
        Self(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(tag.as_ref())))
    }

    pub fn from_presented(value: &str) -> Self {
        Self(value.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(self.0.as_bytes())
    }
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainToken([redacted])")
    }
}

/// SHA-256 of an opaque token: what the database stores in its place (a `BLOB`/`BYTEA` column, typed so a hash
/// can't be confused with other bytes; see `store::types`).
#[derive(
    Clone, Copy, PartialEq, Eq, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Binary)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    pub fn of(bytes: &[u8]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        Self(out)
    }

    pub fn from_stored(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Constant-time comparison, so a stored hash can't be learned byte by byte from response times.
    pub fn matches(&self, other: &TokenHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_carry_256_bits_and_their_prefix() {
        let token = PlainToken::generate("lk_rt_");
        let body = token.expose().strip_prefix("lk_rt_").unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), 32);
        assert_ne!(token.expose(), PlainToken::generate("lk_rt_").expose());
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let token = PlainToken::generate("x_");
        assert!(!format!("{token:?}").contains(token.expose()));
        assert_eq!(format!("{:?}", SecretString::from("pw")), "[redacted]");
    }

    #[test]
    fn hashes_compare_by_value() {
        let token = PlainToken::generate("x_");
        assert!(
            token
                .hash()
                .matches(&PlainToken::from_presented(token.expose()).hash())
        );
        assert!(!token.hash().matches(&PlainToken::generate("x_").hash()));
    }
}
