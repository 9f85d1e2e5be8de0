//! Recovery codes: ten single-use codes shown once when a second factor is enrolled (or regenerated), for when the
//! authenticator is lost. Each is 12 symbols of Crockford's base32 (60 random bits), shown as `xxxx-xxxx-xxxx`.
//!
//! Stored as SHA-256 (DESIGN.md §5's reasoning for client secrets): the codes are drawn by the server with 60 bits
//! of entropy, so nobody can guess one from a stolen hash table by trying likely inputs, and guessing online is
//! bounded by the sign-in limits; a slow KDF would add nothing but cost per attempt.

use std::fmt;

use rand::RngExt;

use crate::values::secret::TokenHash;

/// How many codes a user gets.
pub const COUNT: usize = 10;
const SYMBOLS: usize = 12;
/// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand can't be mistaken.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A recovery code as generated (shown once). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode([redacted])")
    }
}

impl RecoveryCode {
    /// A fresh set of codes.
    pub fn generate_set() -> Vec<Self> {
        let mut rng = rand::rng();
        (0..COUNT)
            .map(|_| {
                let symbols: String = (0..SYMBOLS)
                    .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                    .collect();
                Self(symbols)
            })
            .collect()
    }

    /// As shown to the user: three groups of four.
    pub fn display(&self) -> String {
        let s = &self.0;
        format!("{}-{}-{}", &s[..4], &s[4..8], &s[8..])
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(self.0.as_bytes())
    }

    /// A code as typed: case, spaces and hyphens don't matter, and the letters Crockford's alphabet leaves out read
    /// as the digits they look like. `None` when it can't be a recovery code at all.
    pub fn presented(text: &str) -> Option<Self> {
        let symbols: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_lowercase() {
                'o' => '0',
                'i' | 'l' => '1',
                other => other,
            })
            .collect();
        (symbols.len() == SYMBOLS && symbols.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(Self(symbols))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_read_back_however_they_are_typed() {
        let codes = RecoveryCode::generate_set();
        assert_eq!(codes.len(), COUNT);
        let hashes: std::collections::HashSet<_> =
            codes.iter().map(|c| c.hash().as_bytes().to_vec()).collect();
        assert_eq!(hashes.len(), COUNT);
        let shown = codes[0].display();
        assert_eq!(shown.len(), 14);
        assert_eq!(RecoveryCode::presented(&shown), Some(codes[0].clone()));
        assert_eq!(
            RecoveryCode::presented(&format!(" {} ", shown.to_uppercase().replace('-', " "))),
            Some(codes[0].clone())
        );
        assert_eq!(RecoveryCode::presented("123456"), None);
    }
}
